#pragma once

// Plain structs of the admin API (API.md "Admin API", server/admin) and their JSON mapping: the
// server writes each answer with toJson(), the console reads it with fromJson(), both with the
// keys of adminkeys.h, so that the wire contract is written once.
// Ids stay strings (Snowflake ids are JSON strings); money is integer cents; times are kept as
// the server sent them (RFC 3339 with the server's offset) and parsed on demand.
// Optional fields: an empty text is a key the server leaves out (toJson() leaves it out too);
// where that is not enough (a number, an object) the field says how.

#include "adminkeys.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pomelo::api {

namespace detail {

template<typename T> QJsonArray toJsonArray(const QList<T> &list)
{
    QJsonArray out;
    for (const T &item : list)
        out.append(item.toJson());
    return out;
}

template<typename T> QList<T> listFromJson(const QJsonValue &array)
{
    QList<T> out;
    const QJsonArray items = array.toArray();
    for (const QJsonValue &v : items)
        out.append(T::fromJson(v.toObject()));
    return out;
}

} // namespace detail

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
    /// The envelope (httpStatus is the response's status, not part of the body).
    QJsonObject toJson() const;
    friend bool operator==(const ApiError &, const ApiError &) = default;
};

/// `POST /login`.
struct LoginResult
{
    QString token;
    QString username;
    QString role; ///< "staff" or "admin"
    int expiresIn = 0;
    /// The server's `telemetry.trace_url_template` (a URL with `{traceId}`); left out when the
    /// server has none: then the console copies trace ids instead of linking them.
    QString traceUrlTemplate;

    bool isAdmin() const { return role == QLatin1String("admin"); }
    QJsonObject toJson() const;
    static LoginResult fromJson(const QJsonObject &o);
    friend bool operator==(const LoginResult &, const LoginResult &) = default;
};

/// `GET /me`: who the token belongs to.
struct StaffIdentity
{
    QString username;
    QString role; ///< "staff" or "admin"

    QJsonObject toJson() const;
    static StaffIdentity fromJson(const QJsonObject &o);
    friend bool operator==(const StaffIdentity &, const StaffIdentity &) = default;
};

/// An order as staff see it. Left out when empty: channel, channelTradeNo, studentId, paidAt,
/// closedAt; needsRefund only when true.
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
    QString closedAt;
    QString notifyUrl;
    int version = 0; ///< the optimistic lock's counter

    QJsonObject toJson() const;
    static AdminOrder fromJson(const QJsonObject &o);
    friend bool operator==(const AdminOrder &, const AdminOrder &) = default;
};

/// `{items, nextCursor?}` of every list.
template<typename T> struct Page
{
    QList<T> items;
    QString nextCursor; ///< empty on the last page

    QJsonObject toJson() const
    {
        QJsonObject o {{keys::items, detail::toJsonArray(items)}};
        if (!nextCursor.isEmpty())
            o.insert(keys::nextCursor, nextCursor);
        return o;
    }
    static Page fromJson(const QJsonObject &o)
    {
        return {detail::listFromJson<T>(o.value(keys::items)),
                o.value(keys::nextCursor).toString()};
    }
    friend bool operator==(const Page &, const Page &) = default;
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

/// One step of an order's timeline. prevStatus, spanId and publishedAt are left out when empty.
struct OrderEvent
{
    QString id;
    QString status;
    QString prevStatus;
    QString at;
    QString traceId;
    /// The span that wrote the event (16 hex digits, from its stored `traceparent`).
    QString spanId;
    /// What the event recorded: an object, or the stored text when it is no JSON.
    QJsonValue payload;
    QString publishedAt; ///< when the outbox relay put it on the stream

    QJsonObject toJson() const;
    static OrderEvent fromJson(const QJsonObject &o);
    friend bool operator==(const OrderEvent &, const OrderEvent &) = default;
};

/// finishedAt is left out while the refund is processing.
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
    QString channel;
    QString channelRefundNo;

    QJsonObject toJson() const;
    static Refund fromJson(const QJsonObject &o);
    friend bool operator==(const Refund &, const Refund &) = default;
};

struct ChannelCallback
{
    QString id;
    QString channel;
    QString eventType;
    QString outcome;
    QString receivedAt;
    QString notifyId;
    QJsonValue payload; ///< the decrypted content: an object, or its text when it is no JSON

    QJsonObject toJson() const;
    static ChannelCallback fromJson(const QJsonObject &o);
    friend bool operator==(const ChannelCallback &, const ChannelCallback &) = default;
};

struct NotificationAttempt
{
    int attempt = 0;
    QString at;
    int httpStatus = 0; ///< 0: no HTTP answer (timeout, refused), left out of the JSON
    int durationMs = 0;
    QString error;
    QString responseExcerpt;

    QJsonObject toJson() const;
    static NotificationAttempt fromJson(const QJsonObject &o);
    friend bool operator==(const NotificationAttempt &, const NotificationAttempt &) = default;
};

/// A merchant notification. nextAttemptAt is there while PENDING, deliveredAt once DELIVERED;
/// lastHttpStatus 0 (never answered) is left out.
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
    QString eventId;
    QString deliveredAt;

    QJsonObject toJson() const;
    static Notification fromJson(const QJsonObject &o);
    friend bool operator==(const Notification &, const Notification &) = default;
};

/// `GET /notifications`: a page with the counts per state (zeros included).
struct NotificationList
{
    Page<Notification> page;
    QHash<QString, qint64> counts;

    QJsonObject toJson() const;
    static NotificationList fromJson(const QJsonObject &o);
    friend bool operator==(const NotificationList &, const NotificationList &) = default;
};

/// payOrderId is left out until the booking was signed.
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
    QString userId;
    QString createdAt;
    QString updatedAt;

    QJsonObject toJson() const;
    static Booking fromJson(const QJsonObject &o);
    friend bool operator==(const Booking &, const Booking &) = default;
};

/// `GET /orders/{id}`.
struct OrderDetail
{
    AdminOrder order;
    QList<OrderEvent> events;
    QString traceId; ///< of the first event; empty without events
    QList<Refund> refunds;
    QList<ChannelCallback> callbacks;
    QList<Notification> notifications;
    std::optional<Booking> booking; ///< left out when no booking was paid with this order

    QJsonObject toJson() const;
    static OrderDetail fromJson(const QJsonObject &o);
    friend bool operator==(const OrderDetail &, const OrderDetail &) = default;
};

/// What the channel said of an order when it was asked (`verify`). paidAt is left out when the
/// channel reports no payment.
struct ChannelTradeState
{
    QString state; ///< NOT_PAID, PAID, CLOSED, FAILED, UNKNOWN
    QString tradeNo;
    qint64 amount = 0;
    QString paidAt;

    QJsonObject toJson() const;
    static ChannelTradeState fromJson(const QJsonObject &o);
    friend bool operator==(const ChannelTradeState &, const ChannelTradeState &) = default;
};

/// `POST /orders/{id}/verify`.
struct VerifyOrderResult
{
    AdminOrder order;
    ChannelTradeState channel;

    QJsonObject toJson() const;
    static VerifyOrderResult fromJson(const QJsonObject &o);
    friend bool operator==(const VerifyOrderResult &, const VerifyOrderResult &) = default;
};

/// `POST /orders/{id}/refund`.
struct RefundOrderResult
{
    Refund refund;
    AdminOrder order;

    QJsonObject toJson() const;
    static RefundOrderResult fromJson(const QJsonObject &o);
    friend bool operator==(const RefundOrderResult &, const RefundOrderResult &) = default;
};

/// `POST /orders/{id}/renotify`.
struct RenotifyResult
{
    int resent = 0;
    QStringList notificationIds;

    QJsonObject toJson() const;
    static RenotifyResult fromJson(const QJsonObject &o);
    friend bool operator==(const RenotifyResult &, const RenotifyResult &) = default;
};

/// One slot of the venue board. A held slot has its booking and its user (`user.id`); the
/// user's openId, name and studentId are there when the user was found (every user has an
/// openId, so an empty openId means "not found" and leaves the three out).
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
    QString userId; ///< empty for a free slot: no `user` then

    QJsonObject toJson() const;
    static BoardSlot fromJson(const QJsonObject &o);
    friend bool operator==(const BoardSlot &, const BoardSlot &) = default;
};

struct BoardVenue
{
    qint64 id = 0;
    QString name;
    QString sport;
    QList<BoardSlot> timeSlots; ///< `slots`

    QJsonObject toJson() const;
    static BoardVenue fromJson(const QJsonObject &o);
    friend bool operator==(const BoardVenue &, const BoardVenue &) = default;
};

/// `GET /venues/board`.
struct VenueBoard
{
    QString date;
    QList<BoardVenue> venues;

    QJsonObject toJson() const;
    static VenueBoard fromJson(const QJsonObject &o);
    friend bool operator==(const VenueBoard &, const VenueBoard &) = default;
};

// ---- Venues and closures (`/admin/v1/venues`, staff and admins; confirming refunds: admins) ----

/// A venue as staff manage it: an item of `GET /venues` (`{venues: [...]}`) and the answer of
/// `POST /venues` (201) and `PUT /venues/{id}`.
struct AdminVenue
{
    qint64 id = 0;
    QString name;
    QString sport; ///< badminton, basketball, table_tennis, swimming, …
    QString openFrom; ///< HH:MM
    QString openTo; ///< HH:MM, after openFrom, or 24:00
    int slotMinutes = 60; ///< a multiple of 5
    qint64 pricePerSlot = 0; ///< cents
    bool active = true;
    QString createdAt; ///< RFC 3339

    QJsonObject toJson() const;
    static AdminVenue fromJson(const QJsonObject &o);
    friend bool operator==(const AdminVenue &, const AdminVenue &) = default;
};

/// The body of `POST /venues` and `PUT /venues/{id}`. `active` is sent with PUT only (a new venue
/// is active); `reason` goes to the audit log (optional).
struct VenueInput
{
    QString name;
    QString sport;
    QString openFrom;
    QString openTo;
    int slotMinutes = 60;
    qint64 pricePerSlot = 0;
    std::optional<bool> active;
    QString reason;

    QJsonObject toJson() const;
    static VenueInput fromJson(const QJsonObject &o);
    friend bool operator==(const VenueInput &, const VenueInput &) = default;
};

/// The body of `POST /venues/{id}/closures`: closed from `from` to `to` (RFC 3339 instants, `to`
/// exclusive). With `days` (ISO weekdays 1 = Monday … 7 = Sunday) and/or `dailyFrom`–`dailyTo`
/// (HH:MM, `dailyTo` may be 24:00), only at those times of those days within that span (e.g. every
/// Wednesday 14:00–16:00 for a term). `reason` is required (the students read it).
struct ClosureInput
{
    QString from;
    QString to;
    QList<int> days; ///< empty: every day
    QString dailyFrom; ///< empty: the whole day
    QString dailyTo;
    QString reason;

    QJsonObject toJson() const;
    static ClosureInput fromJson(const QJsonObject &o);
    friend bool operator==(const ClosureInput &, const ClosureInput &) = default;
};

/// A closure of a venue. `state`: PENDING_CONFIRMATION (it refuses new bookings; the bookings it
/// covers are untouched) until an admin confirms it, then CONFIRMED (the bookings it covered were
/// cancelled, or refunded when paid). Confirmation fields are empty before.
struct VenueClosure
{
    qint64 id = 0;
    qint64 venueId = 0;
    QString from;
    QString to;
    QList<int> days;
    QString dailyFrom;
    QString dailyTo;
    QString reason;
    QString state;
    QString createdBy;
    QString createdAt;
    QString confirmedBy;
    QString confirmedAt;
    QString confirmReason;

    QJsonObject toJson() const;
    static VenueClosure fromJson(const QJsonObject &o);
    friend bool operator==(const VenueClosure &, const VenueClosure &) = default;
};

/// A booking that a closure covers (still active: pending payment, paid, being refunded or
/// checked in).
struct AffectedBooking
{
    QString bookingId;
    QString userId;
    QString openId;
    QString date;
    QString startTime;
    QString endTime;
    QString status;
    qint64 amount = 0;

    QJsonObject toJson() const;
    static AffectedBooking fromJson(const QJsonObject &o);
    friend bool operator==(const AffectedBooking &, const AffectedBooking &) = default;
};

/// `POST /venues/{id}/closures` (201) and `GET /venues/{id}/closures/{closureId}`:
/// `{id, closure, affectedBookings: <count>, bookings: [...]}`.
struct ClosureDetail
{
    VenueClosure closure;
    QList<AffectedBooking> bookings;

    QJsonObject toJson() const;
    static ClosureDetail fromJson(const QJsonObject &o);
    friend bool operator==(const ClosureDetail &, const ClosureDetail &) = default;
};

/// What confirming a closure did to one booking. `outcome`: CANCELLED (unpaid), REFUNDED,
/// REFUNDING (asked; the pay platform's notification finishes it), UNCHANGED (checked in or
/// finished meanwhile), FAILED (`code`: the error; confirm again to retry).
struct ClosureOutcome
{
    QString bookingId;
    QString outcome;
    QString status; ///< the booking's status afterwards
    int code = 0; ///< FAILED only

    QJsonObject toJson() const;
    static ClosureOutcome fromJson(const QJsonObject &o);
    friend bool operator==(const ClosureOutcome &, const ClosureOutcome &) = default;
};

/// `POST /venues/{id}/closures/{closureId}/confirm {reason}` (admins): `{closure, results}`.
/// Confirming again retries what is not finished and is otherwise harmless.
struct ClosureConfirmResult
{
    VenueClosure closure;
    QList<ClosureOutcome> results;

    QJsonObject toJson() const;
    static ClosureConfirmResult fromJson(const QJsonObject &o);
    friend bool operator==(const ClosureConfirmResult &, const ClosureConfirmResult &) = default;
};

/// A `venue-event` message of the live feed: `action` is the audit action (venue.create,
/// venue.update, venue.closure.create, venue.closure.delete, venue.closure.confirm).
struct LiveVenueEvent
{
    QString action;
    qint64 venueId = 0;
    qint64 closureId = 0; ///< 0: the venue itself
    QString actor;
    QString at;

    QJsonObject toJson() const;
    static LiveVenueEvent fromJson(const QJsonObject &o);
    friend bool operator==(const LiveVenueEvent &, const LiveVenueEvent &) = default;
};

struct StreamEntry
{
    QString id;
    QJsonObject fields;

    QJsonObject toJson() const;
    static StreamEntry fromJson(const QJsonObject &o);
    friend bool operator==(const StreamEntry &, const StreamEntry &) = default;
};

/// A consumer of a group (`consumerList`).
struct StreamConsumer
{
    QString name;
    qint64 pending = 0;
    qint64 idleMs = 0;

    QJsonObject toJson() const;
    static StreamConsumer fromJson(const QJsonObject &o);
    friend bool operator==(const StreamConsumer &, const StreamConsumer &) = default;
};

struct ConsumerGroup
{
    QString name;
    qint64 consumers = 0;
    qint64 pending = 0;
    qint64 lag = -1; ///< -1: Redis could not tell (null)
    QString lastDeliveredId;
    qint64 entriesRead = -1; ///< -1: Redis could not tell (null)
    QList<StreamConsumer> consumerList {};

    QJsonObject toJson() const;
    static ConsumerGroup fromJson(const QJsonObject &o);
    friend bool operator==(const ConsumerGroup &, const ConsumerGroup &) = default;
};

/// `GET /streams`. lastGeneratedId is left out for a stream never written to.
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
    QJsonObject toJson() const;
    static StreamInfo fromJson(const QJsonObject &o);
    friend bool operator==(const StreamInfo &, const StreamInfo &) = default;
};

/// One item of a delayed queue: `dueAt` while SCHEDULED, `visibleAgainAt` while PROCESSING.
struct DelayedItem
{
    QString queue; ///< the queue's name (not part of the item's JSON)
    QString member;
    QString payload;
    QString state; ///< SCHEDULED, PROCESSING
    QString dueAt; ///< or visibleAgainAt while PROCESSING
    int attempts = 0;

    QJsonObject toJson() const;
    static DelayedItem fromJson(const QJsonObject &o);
    friend bool operator==(const DelayedItem &, const DelayedItem &) = default;
};

/// `{scheduled, processing}` of a delayed queue.
struct QueueDepth
{
    qint64 scheduled = 0;
    qint64 processing = 0;

    QJsonObject toJson() const;
    static QueueDepth fromJson(const QJsonObject &o);
    friend bool operator==(const QueueDepth &, const QueueDepth &) = default;
};

struct DelayedQueueInfo
{
    QString name;
    QString key;
    qint64 scheduled = 0;
    qint64 processing = 0;
    QList<DelayedItem> items;

    QJsonObject toJson() const;
    static DelayedQueueInfo fromJson(const QJsonObject &o);
    friend bool operator==(const DelayedQueueInfo &, const DelayedQueueInfo &) = default;
};

struct LockOwner
{
    QString owner;
    qint64 holds = 0; ///< re-entrant holds

    QJsonObject toJson() const;
    static LockOwner fromJson(const QJsonObject &o);
    friend bool operator==(const LockOwner &, const LockOwner &) = default;
};

struct LockEntry
{
    QString key;
    QList<LockOwner> owners;
    qint64 ttlMs = 0;

    QStringList ownerNames() const;
    QJsonObject toJson() const;
    static LockEntry fromJson(const QJsonObject &o);
    friend bool operator==(const LockEntry &, const LockEntry &) = default;
};

/// The `details` are always an object: the server writes them from one.
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

    QJsonObject toJson() const;
    static AuditEntry fromJson(const QJsonObject &o);
    friend bool operator==(const AuditEntry &, const AuditEntry &) = default;
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
    QJsonObject toJson() const;
    static PaymentExceptionItem fromJson(const QJsonObject &o);
    friend bool operator==(const PaymentExceptionItem &, const PaymentExceptionItem &) = default;
};

// ---- Utility top-ups (`/admin/v1/topups`, `/admin/v1/rooms`; refunds: admins) ----

/// A utility (水电) top-up as the admin API shows it. Left out when empty: payOrderId (until
/// signed), channel, paidAt (until paid), balanceAfter, deliveredAt (until delivered),
/// failureReason, lastError, nextAttemptAt (while nothing is due), deliveryStartedAt.
struct Topup
{
    QString id;
    /// PENDING_PAYMENT, PAID, DELIVERED, DELIVERY_FAILED, REFUNDING, REFUNDED, CANCELLED
    QString status;
    QString roomId; ///< as the utility system names it (ZY1-101)
    QString building;
    QString room;
    QString utility; ///< ELECTRICITY or WATER
    qint64 amount = 0; ///< fen
    QString expiresAt;
    QString createdAt;
    QString updatedAt;
    QString payOrderId;
    QString channel; ///< ECARD or WECHAT_JSAPI, once paid
    std::optional<qint64> balanceAfter; ///< fen: the utility's balance right after the credit
    QString failureReason; ///< what the student was told
    QString paidAt;
    QString deliveredAt;
    QString userId;
    int attempts = 0; ///< delivery attempts of the current run
    QString lastError;
    QString nextAttemptAt;
    QString deliveryStartedAt;

    /// Staff may deliver it again now: a PAID top-up waiting for its next attempt, or a
    /// DELIVERY_FAILED one (a new run).
    bool canRedeliver() const;
    /// An admin may stop delivering and refund it (the same two states).
    bool canRefund() const;
    QJsonObject toJson() const;
    static Topup fromJson(const QJsonObject &o);
    friend bool operator==(const Topup &, const Topup &) = default;
};

/// One line of a top-up's history: a TRANSITION (from → to) or an ATTEMPT (a delivery's outcome,
/// a staff note). `actor`: system, pay-notify, staff:<user>…; from, to and detail are left out
/// when empty.
struct TopupEvent
{
    QString at;
    QString kind; ///< TRANSITION or ATTEMPT
    QString actor;
    QString from;
    QString to;
    QString detail;

    QJsonObject toJson() const;
    static TopupEvent fromJson(const QJsonObject &o);
    friend bool operator==(const TopupEvent &, const TopupEvent &) = default;
};

/// A student of a top-up or of a room. `boundAt` (left out when empty) is there in a room's
/// list only: when the student bound the room.
struct TopupStudent
{
    QString userId;
    QString openId;
    QString studentId;
    QString name;
    QString phone;
    QString boundAt;

    QJsonObject toJson() const;
    static TopupStudent fromJson(const QJsonObject &o);
    friend bool operator==(const TopupStudent &, const TopupStudent &) = default;
};

/// `GET /topups/{id}`: the top-up's fields with its `student` and `events` beside them. The
/// server writes `student: {}` when the user is gone: nullopt here.
struct TopupDetail
{
    Topup topup;
    std::optional<TopupStudent> student;
    QList<TopupEvent> events; ///< oldest first

    QJsonObject toJson() const;
    static TopupDetail fromJson(const QJsonObject &o);
    friend bool operator==(const TopupDetail &, const TopupDetail &) = default;
};

/// `GET /rooms/{roomId}`: a room's balances as the utility system reports them now, the students
/// bound to it and its latest 20 top-ups. building and room are there once a student bound it;
/// the balances and powerOn are left out when the utility system did not answer (balanceError
/// says why).
struct RoomDetail
{
    QString roomId;
    QString building;
    QString room;
    std::optional<qint64> electricity; ///< fen
    std::optional<qint64> water; ///< fen
    std::optional<bool> powerOn;
    QString balanceError;
    QList<TopupStudent> students;
    QList<Topup> topups; ///< newest first

    QJsonObject toJson() const;
    static RoomDetail fromJson(const QJsonObject &o);
    friend bool operator==(const RoomDetail &, const RoomDetail &) = default;
};

/// The filters of `GET /topups`; empty ones are not sent.
struct TopupQuery
{
    QString status;
    QString roomId;
    QString userId;
    QString from; ///< YYYY-MM-DD, inclusive
    QString to; ///< YYYY-MM-DD, inclusive
    QString cursor;
    int limit = 100;
};

/// `GET /admin/v1/dashboard`: today (the server's zone) at a glance. The infrastructure part is
/// there for admins only (`hasInfrastructure`).
struct DashboardSummary
{
    QString date; ///< YYYY-MM-DD, the server's today
    QHash<QString, qint64> orders; ///< order status → orders created today
    qint64 ordersTotal = 0;
    qint64 paidAmount = 0; ///< cents the channels took today (refunded since or not)
    qint64 refundedAmount = 0; ///< cents that went back today (refunds that succeeded today)
    qint64 netAmount = 0; ///< paidAmount − refundedAmount: the headline
    QString from; ///< RFC 3339: the start of `date`

    bool hasInfrastructure = false;
    QString streamName;
    qint64 streamLength = 0;
    qint64 streamLag = -1; ///< the largest lag of a group; -1: Redis could not tell (null)
    qint64 streamPending = 0;
    qint64 deadLetterLength = 0;
    QHash<QString, QueueDepth> queues; ///< by queue name (order-timeout, booking-expiry)
    QHash<QString, qint64> notifications; ///< merchant notifications by state, zeros included
    QHash<QString, qint64> paymentExceptions; ///< open ones by state (REFUNDING, …)

    // Totals fromJson() derives from queues and notifications for the console; toJson() writes
    // the maps they come from.
    qint64 queuedScheduled = 0; ///< over every delayed queue
    qint64 queuedProcessing = 0;
    qint64 notificationsPending = 0;
    qint64 notificationsFailed = 0;

    QJsonObject toJson() const;
    static DashboardSummary fromJson(const QJsonObject &o);
    friend bool operator==(const DashboardSummary &, const DashboardSummary &) = default;
};

/// One `order-event` of the live feed. prevStatus and openId are left out when empty.
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
    QString openId;

    QJsonObject toJson() const;
    static LiveOrderEvent fromJson(const QJsonObject &o);
    friend bool operator==(const LiveOrderEvent &, const LiveOrderEvent &) = default;
};

/// A `stats` message of the live feed: queue depths, notification and open payment exception
/// counts.
struct LiveStats
{
    QHash<QString, QueueDepth> queues; ///< by queue name (order-timeout, booking-expiry)
    QHash<QString, qint64> notifications; ///< by state
    QHash<QString, qint64> paymentExceptions; ///< open ones by state (REFUNDING, …)

    // What fromJson() derives from queues and notifications for the console.
    qint64 orderTimeoutScheduled = 0;
    qint64 bookingExpiryScheduled = 0;
    qint64 notificationsPending = 0;
    qint64 notificationsFailed = 0;

    QJsonObject toJson() const;
    static LiveStats fromJson(const QJsonObject &o);
    friend bool operator==(const LiveStats &, const LiveStats &) = default;
};

/// A `payment-exception` message of the live feed (admins): one was just recorded.
struct LivePaymentException
{
    QString id;
    QString reason;
    QString channel;
    qint64 paidAmount = 0;
    QString orderId; ///< empty when it names no order of ours

    QJsonObject toJson() const;
    static LivePaymentException fromJson(const QJsonObject &o);
    friend bool operator==(const LivePaymentException &, const LivePaymentException &) = default;
};

/// `{name: count}` objects (counts per state, per status).
QJsonObject countsToJson(const QHash<QString, qint64> &counts);
QHash<QString, qint64> countsFromJson(const QJsonValue &o);

/// `GET /queues`: `{queues: [...]}`.
QJsonObject queuesToJson(const QList<DelayedQueueInfo> &queues);
QList<DelayedQueueInfo> queuesFromJson(const QJsonObject &o);
/// `GET /locks`: `{locks: [...]}`.
QJsonObject locksToJson(const QList<LockEntry> &locks);
QList<LockEntry> locksFromJson(const QJsonObject &o);
ApiError errorFromReply(int httpStatus, const QByteArray &body, const QString &transportError);

/// An RFC 3339 time of the API; invalid for an empty or malformed text.
QDateTime parseTime(const QString &rfc3339);
/// "yyyy-MM-dd HH:mm:ss" in the offset the server sent (the server's zone), or "" when empty.
QString displayTime(const QString &rfc3339);

} // namespace pomelo::api
