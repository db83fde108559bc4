#pragma once

// Plain structs of the admin API (API.md "Admin API", server/admin) and their JSON mapping.
// Ids stay strings (Snowflake ids are JSON strings); money is integer cents; times are kept as
// the server sent them (RFC 3339 with the server's offset) and parsed on demand.

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo::api {

/// What went wrong with one request: a transport error (no HTTP answer: httpStatus 0) or the
/// server's error envelope `{code, message, traceId}`.
struct ApiError
{
    int httpStatus = 0;
    int code = 0; ///< API.md code; 0 for a transport error
    QString message;
    QString traceId;

    bool isNetworkError() const { return httpStatus == 0; }
    bool isUnauthorized() const { return httpStatus == 401; }
    bool isForbidden() const { return httpStatus == 403; }
};

struct LoginResult
{
    QString token;
    QString username;
    QString role; ///< "staff" or "admin"
    int expiresIn = 0;

    bool isAdmin() const { return role == QLatin1String("admin"); }
    static LoginResult fromJson(const QJsonObject &o);
};

struct AdminOrder
{
    QString orderId;
    QString appId;
    QString outTradeNo;
    qint64 amount = 0;
    qint64 refundedAmount = 0;
    QString subject;
    QString status;
    QString channel;
    QString channelTradeNo;
    QString openId;
    QString studentId;
    QString createdAt;
    QString updatedAt;
    QString paidAt;
    QString expiresAt;
    bool needsRefund = false;

    static AdminOrder fromJson(const QJsonObject &o);
};

template<typename T> struct Page
{
    QList<T> items;
    QString nextCursor; ///< empty on the last page
};

struct OrderQuery
{
    QString status;
    QString appId;
    QString channel;
    QString from; ///< YYYY-MM-DD, inclusive
    QString to; ///< YYYY-MM-DD, inclusive
    QString q; ///< search: order id, outTradeNo, subject…
    QString cursor;
    int limit = 100;
};

struct OrderEvent
{
    QString id;
    QString status;
    QString prevStatus;
    QString at;
    QString traceId;
    QJsonObject payload;
};

struct Refund
{
    QString id;
    QString outRefundNo;
    qint64 amount = 0;
    QString reason;
    QString status;
    QString initiator;
    QString createdAt;
    QString finishedAt;
};

struct ChannelCallback
{
    QString id;
    QString channel;
    QString eventType;
    QString outcome;
    QString receivedAt;
};

struct NotificationAttempt
{
    int attempt = 0;
    QString at;
    int httpStatus = 0;
    int durationMs = 0;
    QString error;
};

struct Notification
{
    QString id;
    QString orderId;
    QString appId;
    QString orderStatus;
    QString url;
    QString state; ///< PENDING, DELIVERED, FAILED
    int attempts = 0;
    QString lastError;
    int lastHttpStatus = 0;
    QString createdAt;
    QString updatedAt;
    QString nextAttemptAt;
    QList<NotificationAttempt> history;

    static Notification fromJson(const QJsonObject &o);
};

struct Booking
{
    QString id;
    QString status;
    qint64 venueId = 0;
    QString date;
    QString startTime;
    QString endTime;
    qint64 amount = 0;
    QString payOrderId;
};

struct OrderDetail
{
    AdminOrder order;
    QList<OrderEvent> events;
    QString traceId;
    QList<Refund> refunds;
    QList<ChannelCallback> callbacks;
    QList<Notification> notifications;
    std::optional<Booking> booking;

    static OrderDetail fromJson(const QJsonObject &o);
};

struct BoardSlot
{
    QString startTime; ///< HH:MM
    QString endTime;
    QString state; ///< FREE, HELD, BOOKED, CHECKED_IN
    QString bookingId;
    QString bookingStatus;
    QString userName;
    QString studentId;
    QString openId;
};

struct BoardVenue
{
    qint64 id = 0;
    QString name;
    QString sport;
    QList<BoardSlot> timeSlots;
};

struct VenueBoard
{
    QString date;
    QList<BoardVenue> venues;

    static VenueBoard fromJson(const QJsonObject &o);
};

struct StreamEntry
{
    QString id;
    QJsonObject fields;
};

struct ConsumerGroup
{
    QString name;
    qint64 consumers = 0;
    qint64 pending = 0;
    qint64 lag = -1; ///< -1: Redis could not tell
    QString lastDeliveredId;
};

struct StreamInfo
{
    QString stream;
    qint64 length = 0;
    QString lastGeneratedId;
    QList<ConsumerGroup> groups;
    QList<StreamEntry> entries; ///< newest first
    QString deadLetterStream;
    qint64 deadLetterLength = 0;
    QList<StreamEntry> deadLetters;

    /// The largest lag of any group (0 without groups, -1 when one is unknown).
    qint64 maxLag() const;
    static StreamInfo fromJson(const QJsonObject &o);
};

struct DelayedItem
{
    QString queue;
    QString member;
    QString payload;
    QString state; ///< SCHEDULED, PROCESSING
    QString dueAt; ///< or visibleAgainAt while PROCESSING
    int attempts = 0;
};

struct DelayedQueueInfo
{
    QString name;
    QString key;
    qint64 scheduled = 0;
    qint64 processing = 0;
    QList<DelayedItem> items;
};

struct LockEntry
{
    QString key;
    QStringList owners;
    qint64 ttlMs = 0;
};

struct AuditEntry
{
    QString id;
    QString at;
    QString actor;
    QString action;
    QString target;
    QString reason;
    QString remoteAddress;
    QJsonObject details;

    static AuditEntry fromJson(const QJsonObject &o);
};

/// One payment exception (`/admin/v1/payment-exceptions`, admins): money a channel took that no
/// order keeps, refunded through the channel by itself; an admin resolves it once the refund
/// settled (REFUNDED) or the channel refused it (REFUND_FAILED). Optional fields are empty when
/// the server left them out.
struct PaymentExceptionItem
{
    QString id;
    QString channel;
    QString channelTradeNo;
    QString outTradeNo; ///< what the channel named as our order
    QString orderId; ///< empty when it names no order of ours
    qint64 paidAmount = 0; ///< cents, what the channel took
    std::optional<qint64> orderAmount;
    QString currency;
    /// AMOUNT_MISMATCH, CURRENCY, CHANNEL, MERCHANT, UNKNOWN_ORDER, LATE, DUPLICATE
    QString reason;
    QString detail;
    QString state; ///< REFUNDING, REFUNDED, REFUND_FAILED, RESOLVED
    int refundAttempts = 0;
    QString nextRefundAt;
    QString channelRefundNo;
    QString lastError;
    QString resolvedBy;
    QString resolution;
    QString createdAt;
    QString updatedAt;
    QString refundedAt;
    QString resolvedAt;

    /// The refund settled one way or the other: an admin may close the case.
    bool isResolvable() const;
    static PaymentExceptionItem fromJson(const QJsonObject &o);
};

/// `GET /admin/v1/dashboard`: today (the server's zone) at a glance. The infrastructure part is
/// there for admins only (`hasInfrastructure`).
struct DashboardSummary
{
    QString date; ///< YYYY-MM-DD, the server's today
    QHash<QString, qint64> orders; ///< order status → orders created today
    qint64 ordersTotal = 0;
    qint64 paidAmount = 0; ///< cents, of today's orders that were paid

    bool hasInfrastructure = false;
    qint64 streamLength = 0;
    qint64 streamLag = -1; ///< the largest lag of a group; -1: Redis could not tell
    qint64 streamPending = 0;
    qint64 deadLetterLength = 0;
    qint64 queuedScheduled = 0; ///< over every delayed queue
    qint64 queuedProcessing = 0;
    qint64 notificationsPending = 0;
    qint64 notificationsFailed = 0;
    QHash<QString, qint64> paymentExceptions; ///< open ones by state (REFUNDING, …)

    static DashboardSummary fromJson(const QJsonObject &o);
};

/// One `order-event` of the live feed.
struct LiveOrderEvent
{
    QString streamId;
    QString eventId;
    QString orderId;
    QString appId;
    QString outTradeNo;
    QString status;
    QString prevStatus; ///< empty for an order's first event
    qint64 amount = 0;
    QString at;
    QString traceId;

    static LiveOrderEvent fromJson(const QJsonObject &o);
};

/// A `stats` message of the live feed: queue depths, notification and open payment exception
/// counts.
struct LiveStats
{
    qint64 orderTimeoutScheduled = 0;
    qint64 bookingExpiryScheduled = 0;
    qint64 notificationsPending = 0;
    qint64 notificationsFailed = 0;
    QHash<QString, qint64> paymentExceptions; ///< open ones by state (REFUNDING, …)

    static LiveStats fromJson(const QJsonObject &o);
};

/// A `payment-exception` message of the live feed (admins): one was just recorded.
struct LivePaymentException
{
    QString id;
    QString reason;
    QString channel;
    qint64 paidAmount = 0;
    QString orderId; ///< empty when it names no order of ours

    static LivePaymentException fromJson(const QJsonObject &o);
};

QList<DelayedQueueInfo> queuesFromJson(const QJsonObject &o);
QList<LockEntry> locksFromJson(const QJsonObject &o);
ApiError errorFromReply(int httpStatus, const QByteArray &body, const QString &transportError);

/// An RFC 3339 time of the API; invalid for an empty or malformed text.
QDateTime parseTime(const QString &rfc3339);
/// "yyyy-MM-dd HH:mm:ss" in the offset the server sent (the server's zone), or "" when empty.
QString displayTime(const QString &rfc3339);

} // namespace pomelo::api
