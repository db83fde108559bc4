#pragma once

// The JSON keys of the admin API (API.md "Admin API"), in one place: the server writes them with
// the DTOs' toJson() and the console reads them with fromJson(), so a key renamed here is renamed
// on both sides, and a key renamed by hand anywhere else fails test_admintypes.

#include <QLatin1StringView>

namespace pomelo::api::keys {

using Key = QLatin1StringView;

inline constexpr Key action {"action"};
inline constexpr Key active {"active"};
inline constexpr Key actor {"actor"};
inline constexpr Key affectedBookings {"affectedBookings"};
inline constexpr Key amount {"amount"};
inline constexpr Key appId {"appId"};
inline constexpr Key at {"at"};
inline constexpr Key attempt {"attempt"};
inline constexpr Key attempts {"attempts"};
inline constexpr Key balanceAfter {"balanceAfter"};
inline constexpr Key balanceError {"balanceError"};
inline constexpr Key booking {"booking"};
inline constexpr Key bookingId {"bookingId"};
inline constexpr Key bookings {"bookings"};
inline constexpr Key bookingStatus {"bookingStatus"};
inline constexpr Key boundAt {"boundAt"};
inline constexpr Key building {"building"};
inline constexpr Key callbacks {"callbacks"};
inline constexpr Key cancelled {"cancelled"};
inline constexpr Key channel {"channel"};
inline constexpr Key channelRefundNo {"channelRefundNo"};
inline constexpr Key channelTradeNo {"channelTradeNo"};
inline constexpr Key closedAt {"closedAt"};
inline constexpr Key closure {"closure"};
inline constexpr Key closureId {"closureId"};
inline constexpr Key closures {"closures"};
inline constexpr Key code {"code"};
inline constexpr Key confirmedAt {"confirmedAt"};
inline constexpr Key confirmedBy {"confirmedBy"};
inline constexpr Key confirmReason {"confirmReason"};
inline constexpr Key consumerList {"consumerList"};
inline constexpr Key consumers {"consumers"};
inline constexpr Key count {"count"};
inline constexpr Key counts {"counts"};
inline constexpr Key createdAt {"createdAt"};
inline constexpr Key createdBy {"createdBy"};
inline constexpr Key currency {"currency"};
inline constexpr Key dailyFrom {"dailyFrom"};
inline constexpr Key dailyTo {"dailyTo"};
inline constexpr Key date {"date"};
inline constexpr Key days {"days"};
inline constexpr Key deadLetter {"deadLetter"};
inline constexpr Key deadLetterLength {"deadLetterLength"};
inline constexpr Key deliveredAt {"deliveredAt"};
inline constexpr Key deliveryStartedAt {"deliveryStartedAt"};
inline constexpr Key detail {"detail"};
inline constexpr Key details {"details"};
inline constexpr Key dueAt {"dueAt"};
inline constexpr Key durationMs {"durationMs"};
inline constexpr Key electricity {"electricity"};
inline constexpr Key endTime {"endTime"};
inline constexpr Key entries {"entries"};
inline constexpr Key entriesRead {"entriesRead"};
inline constexpr Key error {"error"};
inline constexpr Key eventId {"eventId"};
inline constexpr Key events {"events"};
inline constexpr Key eventType {"eventType"};
inline constexpr Key expiresAt {"expiresAt"};
inline constexpr Key expiresIn {"expiresIn"};
inline constexpr Key failureReason {"failureReason"};
inline constexpr Key fields {"fields"};
inline constexpr Key finishedAt {"finishedAt"};
inline constexpr Key fired {"fired"};
inline constexpr Key from {"from"};
inline constexpr Key groups {"groups"};
inline constexpr Key history {"history"};
inline constexpr Key holds {"holds"};
inline constexpr Key httpStatus {"httpStatus"};
inline constexpr Key id {"id"};
inline constexpr Key idleMs {"idleMs"};
inline constexpr Key initiator {"initiator"};
inline constexpr Key items {"items"};
inline constexpr Key key {"key"};
inline constexpr Key kind {"kind"};
inline constexpr Key lag {"lag"};
inline constexpr Key lastDeliveredId {"lastDeliveredId"};
inline constexpr Key lastError {"lastError"};
inline constexpr Key lastGeneratedId {"lastGeneratedId"};
inline constexpr Key lastHttpStatus {"lastHttpStatus"};
inline constexpr Key length {"length"};
inline constexpr Key locks {"locks"};
inline constexpr Key member {"member"};
inline constexpr Key message {"message"};
inline constexpr Key name {"name"};
inline constexpr Key needsRefund {"needsRefund"};
inline constexpr Key nextAttemptAt {"nextAttemptAt"};
inline constexpr Key nextCursor {"nextCursor"};
inline constexpr Key nextRefundAt {"nextRefundAt"};
inline constexpr Key notificationIds {"notificationIds"};
inline constexpr Key notifications {"notifications"};
inline constexpr Key notifyId {"notifyId"};
inline constexpr Key notifyUrl {"notifyUrl"};
inline constexpr Key openFrom {"openFrom"};
inline constexpr Key openId {"openId"};
inline constexpr Key openTo {"openTo"};
inline constexpr Key order {"order"};
inline constexpr Key orderAmount {"orderAmount"};
inline constexpr Key orderId {"orderId"};
inline constexpr Key orders {"orders"};
inline constexpr Key ordersTotal {"ordersTotal"};
inline constexpr Key orderStatus {"orderStatus"};
inline constexpr Key outcome {"outcome"};
inline constexpr Key outRefundNo {"outRefundNo"};
inline constexpr Key outTradeNo {"outTradeNo"};
inline constexpr Key owner {"owner"};
inline constexpr Key owners {"owners"};
inline constexpr Key paidAmount {"paidAmount"};
inline constexpr Key paidAt {"paidAt"};
inline constexpr Key payload {"payload"};
inline constexpr Key paymentExceptions {"paymentExceptions"};
inline constexpr Key payOrderId {"payOrderId"};
inline constexpr Key pending {"pending"};
inline constexpr Key phone {"phone"};
inline constexpr Key powerOn {"powerOn"};
inline constexpr Key prevStatus {"prevStatus"};
inline constexpr Key pricePerSlot {"pricePerSlot"};
inline constexpr Key processing {"processing"};
inline constexpr Key publishedAt {"publishedAt"};
inline constexpr Key queues {"queues"};
inline constexpr Key reason {"reason"};
inline constexpr Key receivedAt {"receivedAt"};
inline constexpr Key refund {"refund"};
inline constexpr Key refundAttempts {"refundAttempts"};
inline constexpr Key refundedAmount {"refundedAmount"};
inline constexpr Key netAmount {"netAmount"};
inline constexpr Key refundedAt {"refundedAt"};
inline constexpr Key refunds {"refunds"};
inline constexpr Key remoteAddress {"remoteAddress"};
inline constexpr Key resent {"resent"};
inline constexpr Key resolution {"resolution"};
inline constexpr Key resolvedAt {"resolvedAt"};
inline constexpr Key resolvedBy {"resolvedBy"};
inline constexpr Key responseExcerpt {"responseExcerpt"};
inline constexpr Key results {"results"};
inline constexpr Key role {"role"};
inline constexpr Key room {"room"};
inline constexpr Key roomId {"roomId"};
inline constexpr Key scheduled {"scheduled"};
inline constexpr Key slotMinutes {"slotMinutes"};
inline constexpr Key spanId {"spanId"};
inline constexpr Key sport {"sport"};
inline constexpr Key startTime {"startTime"};
inline constexpr Key state {"state"};
inline constexpr Key status {"status"};
inline constexpr Key stream {"stream"};
inline constexpr Key streamId {"streamId"};
inline constexpr Key student {"student"};
inline constexpr Key studentId {"studentId"};
inline constexpr Key students {"students"};
inline constexpr Key subject {"subject"};
inline constexpr Key target {"target"};
/// `slots` itself is a Qt keyword (a macro).
inline constexpr Key timeSlots {"slots"};
inline constexpr Key to {"to"};
inline constexpr Key token {"token"};
inline constexpr Key topups {"topups"};
inline constexpr Key traceId {"traceId"};
inline constexpr Key traceUrlTemplate {"traceUrlTemplate"};
inline constexpr Key tradeNo {"tradeNo"};
inline constexpr Key ttlMs {"ttlMs"};
inline constexpr Key type {"type"};
inline constexpr Key updatedAt {"updatedAt"};
inline constexpr Key url {"url"};
inline constexpr Key user {"user"};
inline constexpr Key userId {"userId"};
inline constexpr Key username {"username"};
inline constexpr Key utility {"utility"};
inline constexpr Key venue {"venue"};
inline constexpr Key venueId {"venueId"};
inline constexpr Key venues {"venues"};
inline constexpr Key version {"version"};
inline constexpr Key visibleAgainAt {"visibleAgainAt"};
inline constexpr Key water {"water"};

// Names that are keys of a counts or depths object: the console looks these ones up.
inline constexpr Key orderTimeoutQueue {"order-timeout"};
inline constexpr Key bookingExpiryQueue {"booking-expiry"};
inline constexpr Key notificationPending {"PENDING"};
inline constexpr Key notificationFailed {"FAILED"};

} // namespace pomelo::api::keys

namespace pomelo::api::messageTypes {

/// The `type` of a live feed message.
inline constexpr QLatin1StringView orderEvent {"order-event"};
inline constexpr QLatin1StringView stats {"stats"};
inline constexpr QLatin1StringView paymentException {"payment-exception"};
/// A venue or one of its closures changed.
inline constexpr QLatin1StringView venueEvent {"venue-event"};

} // namespace pomelo::api::messageTypes

namespace pomelo::api::itemStates {

/// The `state` of a delayed queue item; it decides between `dueAt` and `visibleAgainAt`.
inline constexpr QLatin1StringView scheduled {"SCHEDULED"};
inline constexpr QLatin1StringView processing {"PROCESSING"};

} // namespace pomelo::api::itemStates
