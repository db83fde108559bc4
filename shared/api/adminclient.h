#pragma once

#include "admintypes.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;
class QWebSocket;

namespace pomelo::api {

/// The console's client of the admin API (`/admin/v1`, bearer token) and of its live WebSocket.
/// Everything is asynchronous (QNetworkAccessManager / QWebSocket on the caller's thread); nothing
/// ever blocks. Each call takes a @p context: its callbacks are dropped when @p context is gone
/// before the answer comes, so a closed view never receives a late reply.
///
/// Connection health: any transport error marks the server unreachable (serverReachableChanged),
/// then /healthz is probed with a growing delay until it answers; the live feed reconnects by
/// itself (also after the server restarted) while logged in (staff get the order events, admins
/// also the `stats` and new payment exceptions). A 401 on any request
/// means the session is gone: sessionExpired() is emitted once.
class AdminClient : public QObject
{
    Q_OBJECT

public:
    template<typename T> using Ok = std::function<void(const T &)>;
    using Fail = std::function<void(const ApiError &)>;

    explicit AdminClient(QObject *parent = nullptr);
    ~AdminClient() override;

    void setBaseUrl(const QUrl &url);
    QUrl baseUrl() const { return m_baseUrl; }
    /// `Accept-Language` of every request (error messages in that language).
    void setLanguage(const QString &language) { m_language = language; }

    bool isLoggedIn() const { return !m_session.token.isEmpty(); }
    const LoginResult &session() const { return m_session; }
    bool isServerReachable() const { return m_reachable; }
    bool isLiveConnected() const { return m_liveConnected; }

    /// Logs in; on success the session is kept, the live feed is opened and loggedIn() is
    /// emitted.
    void login(const QString &username, const QString &password, QObject *context,
               Ok<LoginResult> onOk, Fail onFail = {});
    /// Ends the session on the server (best effort) and closes the live feed.
    void logout();

    void orders(const OrderQuery &query, QObject *context, Ok<Page<AdminOrder>> onOk,
                Fail onFail = {});
    void orderDetail(const QString &orderId, QObject *context, Ok<OrderDetail> onOk,
                     Fail onFail = {});
    void closeOrder(const QString &orderId, const QString &reason, QObject *context,
                    Ok<AdminOrder> onOk, Fail onFail = {});
    /// Asks the channel and applies its answer; the callback gets the order afterwards.
    void verifyOrder(const QString &orderId, const QString &reason, QObject *context,
                     Ok<AdminOrder> onOk, Fail onFail = {});
    void refundOrder(const QString &orderId, qint64 amountCents, const QString &reason,
                     QObject *context, Ok<AdminOrder> onOk, Fail onFail = {});
    /// The number of notifications queued again.
    void renotifyOrder(const QString &orderId, const QString &reason, QObject *context,
                       Ok<int> onOk, Fail onFail = {});

    /// Today's order counts and paid amount; the infrastructure numbers too for admins.
    void dashboard(QObject *context, Ok<DashboardSummary> onOk, Fail onFail = {});

    /// @p date YYYY-MM-DD; empty: the server's today.
    void venueBoard(const QString &date, QObject *context, Ok<VenueBoard> onOk, Fail onFail = {});
    void checkIn(const QString &bookingId, QObject *context, Ok<Booking> onOk, Fail onFail = {});

    /// Every venue, inactive ones too (staff and admins).
    void venues(QObject *context, Ok<QList<AdminVenue>> onOk, Fail onFail = {});
    /// 201 with the new venue (its id). `input.active` is ignored: a new venue is active.
    void createVenue(const VenueInput &input, QObject *context, Ok<AdminVenue> onOk,
                     Fail onFail = {});
    /// Every field, `active` included (unset: stays as it is). A change of the slot grid (hours,
    /// slot length) is refused with 4090 while the venue has active bookings it would move.
    void updateVenue(qint64 venueId, const VenueInput &input, QObject *context, Ok<AdminVenue> onOk,
                     Fail onFail = {});
    /// The closures of a venue that have not ended yet, or all with @p includePast.
    void closures(qint64 venueId, bool includePast, QObject *context, Ok<QList<VenueClosure>> onOk,
                  Fail onFail = {});
    /// One closure with the bookings it covers now.
    void closure(qint64 venueId, qint64 closureId, QObject *context, Ok<ClosureDetail> onOk,
                 Fail onFail = {});
    /// 201: the closure (PENDING_CONFIRMATION) and the bookings it covers, untouched yet.
    void createClosure(qint64 venueId, const ClosureInput &input, QObject *context,
                       Ok<ClosureDetail> onOk, Fail onFail = {});
    /// Removes a closure: its times are bookable again (refunds already made stay made).
    void deleteClosure(qint64 venueId, qint64 closureId, const QString &reason, QObject *context,
                       Ok<bool> onOk, Fail onFail = {});
    /// Admins: cancels the covered bookings, refunding the paid ones, and tells each student.
    void confirmClosure(qint64 venueId, qint64 closureId, const QString &reason, QObject *context,
                        Ok<ClosureConfirmResult> onOk, Fail onFail = {});

    void streams(QObject *context, Ok<StreamInfo> onOk, Fail onFail = {});
    void queues(QObject *context, Ok<QList<DelayedQueueInfo>> onOk, Fail onFail = {});
    void fireQueueItem(const QString &queue, const QString &member, const QString &reason,
                       QObject *context, Ok<bool> onOk, Fail onFail = {});
    void cancelQueueItem(const QString &queue, const QString &member, const QString &reason,
                         QObject *context, Ok<bool> onOk, Fail onFail = {});
    void locks(QObject *context, Ok<QList<LockEntry>> onOk, Fail onFail = {});

    /// Notifications in @p state (empty: all), with the counts per state (`counts`).
    struct NotificationPage
    {
        Page<Notification> page;
        QHash<QString, qint64> counts;
    };
    void notifications(const QString &state, const QString &appId, const QString &cursor,
                       QObject *context, Ok<NotificationPage> onOk, Fail onFail = {});
    void resendNotification(const QString &id, const QString &reason, QObject *context,
                            Ok<Notification> onOk, Fail onFail = {});
    /// The number of FAILED notifications of @p appId queued again.
    void resendFailed(const QString &appId, const QString &reason, QObject *context, Ok<int> onOk,
                      Fail onFail = {});

    struct AuditQuery
    {
        QString actor;
        QString action;
        QString target;
        QString from;
        QString to;
        QString cursor;
        int limit = 100;
    };
    void audit(const AuditQuery &query, QObject *context, Ok<Page<AuditEntry>> onOk,
               Fail onFail = {});

    /// Payment exceptions in @p state (empty: every state), newest first; @p cursor is the
    /// previous page's nextCursor (empty: the first page).
    void paymentExceptions(const QString &state, const QString &cursor, QObject *context,
                           Ok<Page<PaymentExceptionItem>> onOk, Fail onFail = {});
    /// Closes the case of a REFUNDED or REFUND_FAILED exception; the callback gets it afterwards
    /// (RESOLVED, with who and why).
    void resolvePaymentException(const QString &id, const QString &reason, QObject *context,
                                 Ok<PaymentExceptionItem> onOk, Fail onFail = {});

    /// Utility top-ups, newest first, filtered by @p query (its cursor: the previous page's
    /// nextCursor).
    void topups(const TopupQuery &query, QObject *context, Ok<Page<Topup>> onOk, Fail onFail = {});
    /// One top-up with its student and its history.
    void topupDetail(const QString &id, QObject *context, Ok<TopupDetail> onOk, Fail onFail = {});
    /// Delivers a PAID or DELIVERY_FAILED top-up again now (staff and admins; 1106 otherwise);
    /// the callback gets the top-up afterwards.
    void redeliverTopup(const QString &id, const QString &reason, QObject *context, Ok<Topup> onOk,
                        Fail onFail = {});
    /// Stops delivering and refunds (admins; staff get 4030); the callback gets the top-up
    /// afterwards (REFUNDING, or DELIVERED when the utility system had credited it after all).
    void refundTopup(const QString &id, const QString &reason, QObject *context, Ok<Topup> onOk,
                     Fail onFail = {});
    /// A room's balances, bound students and latest top-ups (1101 for a room nobody knows).
    void room(const QString &roomId, QObject *context, Ok<RoomDetail> onOk, Fail onFail = {});

    /// The live WebSocket's URL for the current base URL (ws:// or wss://).
    QUrl liveUrl() const;

signals:
    void loggedIn(const pomelo::api::LoginResult &session);
    void loggedOut();
    /// A request answered 401 while logged in: log in again.
    void sessionExpired();
    void serverReachableChanged(bool reachable);
    void liveConnectedChanged(bool connected);
    void liveOrderEvent(const pomelo::api::LiveOrderEvent &event);
    void liveStats(const pomelo::api::LiveStats &stats);
    /// A payment exception was just recorded (admins only).
    void livePaymentException(const pomelo::api::LivePaymentException &exception);
    /// A venue or one of its closures was changed (by anyone): refresh what shows it.
    void liveVenueEvent(const pomelo::api::LiveVenueEvent &event);
    /// Every failed request (after its own callback), for a status bar.
    void requestFailed(const pomelo::api::ApiError &error);

private:
    using RawOk = std::function<void(const QJsonObject &)>;
    void send(const QByteArray &method, const QString &path, const QUrlQuery &query,
              const QJsonObject *body, QObject *context, RawOk onOk, Fail onFail);
    void get(const QString &path, const QUrlQuery &query, QObject *context, RawOk onOk,
             Fail onFail);
    void post(const QString &path, const QJsonObject &body, QObject *context, RawOk onOk,
              Fail onFail);
    void setReachable(bool reachable);
    void probeHealth();
    void openLive();
    void closeLive();
    void scheduleLiveReconnect();
    void onLiveMessage(const QString &message);

    QNetworkAccessManager *m_network;
    QUrl m_baseUrl;
    QString m_language;
    LoginResult m_session;
    bool m_reachable = true;
    bool m_expiredSignalled = false;

    QTimer *m_healthTimer;
    int m_healthDelayMs = 1000;
    QPointer<QNetworkReply> m_healthReply;

    QWebSocket *m_live = nullptr;
    QTimer *m_liveTimer;
    int m_liveDelayMs = 500;
    bool m_liveConnected = false;
    bool m_liveWanted = false;
};

} // namespace pomelo::api
