#pragma once

#include <QList>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace pomelo {

/// The life of a pay order (API.md "Order states"). Legal transitions:
///
///   INIT      -> PAYING | CLOSED             cashier opened | timeout or merchant close
///   PAYING    -> PAID | FAILED | CLOSED      channel result | timeout with no payment
///   PAID      -> REFUNDING                   refund requested
///   REFUNDING -> REFUNDED | PAID             refund done | refund failed or partial
///   CLOSED    -> REFUNDING                   late success on a closed order
///   FAILED    -> REFUNDING                   late success after a reported failure
///   REFUNDED  -> (none)
///
/// Money is never kept without an order: when a channel reports success for an order that the
/// platform already closed (timeout won the race) or marked failed, the money was taken anyway, so
/// the order goes straight to REFUNDING; it never becomes PAID, because the merchant was already
/// told it was closed (a booking was cancelled and its slot freed). REFUNDING -> PAID means the
/// platform still holds the money of the order: the channel refused the refund, or only part of
/// it was refunded; the refund can then be retried from PAID. No state goes to itself: a repeated
/// callback or request is an idempotent no-op decided by the caller, not a transition.
enum class OrderStatus { Init, Paying, Paid, Failed, Closed, Refunding, Refunded };

/// The life of a venue booking. Legal transitions:
///
///   PENDING_PAYMENT -> PAID | CANCELLED      pay order PAID | cancelled, expired or order CLOSED
///   PAID            -> REFUNDING | CHECKED_IN
///   REFUNDING       -> REFUNDED | PAID       refund done | refund failed
///   CANCELLED, REFUNDED, CHECKED_IN -> (none)
enum class BookingStatus { PendingPayment, Paid, Cancelled, Refunding, Refunded, CheckedIn };

/// The life of a utility top-up (API.md "Utility top-up API"). Legal transitions:
///
///   PENDING_PAYMENT -> PAID | CANCELLED            pay order PAID | cancelled, expired or closed
///   PAID            -> DELIVERED | DELIVERY_FAILED  the utility system credited the room |
///                                                   refused for good, or the delivery deadline
///                                                   passed (or staff stopped it)
///   DELIVERY_FAILED -> REFUNDING | PAID | DELIVERED refund (once the utility system confirms the
///                                                   serial was not credited) | staff re-deliver |
///                                                   a late confirmation of the credit
///   REFUNDING       -> REFUNDED | DELIVERY_FAILED   refund done | refund refused (money still
///                                                   held: retried from there)
///   DELIVERED, REFUNDED, CANCELLED -> (none)
///
/// Money is held from PAID on until the top-up is DELIVERED (the room has the credit) or REFUNDED
/// (the student has the money back): every state between has a path to one of them. A refund is
/// entered only from DELIVERY_FAILED, where no delivery runs: a credit and a refund of the same
/// money must never both happen.
enum class TopupStatus {
    PendingPayment,
    Paid,
    Delivered,
    DeliveryFailed,
    Refunding,
    Refunded,
    Cancelled
};

inline constexpr std::array<OrderStatus, 7> AllOrderStatuses = {
    OrderStatus::Init,   OrderStatus::Paying,    OrderStatus::Paid,     OrderStatus::Failed,
    OrderStatus::Closed, OrderStatus::Refunding, OrderStatus::Refunded,
};

inline constexpr std::array<BookingStatus, 6> AllBookingStatuses = {
    BookingStatus::PendingPayment, BookingStatus::Paid,     BookingStatus::Cancelled,
    BookingStatus::Refunding,      BookingStatus::Refunded, BookingStatus::CheckedIn,
};

inline constexpr std::array<TopupStatus, 7> AllTopupStatuses = {
    TopupStatus::PendingPayment, TopupStatus::Paid,      TopupStatus::Delivered,
    TopupStatus::DeliveryFailed, TopupStatus::Refunding, TopupStatus::Refunded,
    TopupStatus::Cancelled,
};

// Not named toString: QTest looks up `char *toString(T)` by ADL to print values in QCOMPARE, and a
// pomelo::toString returning QString would break every QCOMPARE on these enums.

/// The API name: "INIT", "PAYING", "PAID", "FAILED", "CLOSED", "REFUNDING", "REFUNDED".
QString statusName(OrderStatus status);
/// "PENDING_PAYMENT", "PAID", "CANCELLED", "REFUNDING", "REFUNDED", "CHECKED_IN".
QString statusName(BookingStatus status);
/// "PENDING_PAYMENT", "PAID", "DELIVERED", "DELIVERY_FAILED", "REFUNDING", "REFUNDED",
/// "CANCELLED".
QString statusName(TopupStatus status);
/// Exact, case-sensitive API names only.
std::optional<OrderStatus> orderStatusFromName(QStringView name);
std::optional<BookingStatus> bookingStatusFromName(QStringView name);
std::optional<TopupStatus> topupStatusFromName(QStringView name);

bool isLegalTransition(OrderStatus from, OrderStatus to);
bool isLegalTransition(BookingStatus from, BookingStatus to);
bool isLegalTransition(TopupStatus from, TopupStatus to);

/// The states reachable in one legal step from @p from, in enum order (e.g. the console's actions).
QList<OrderStatus> legalTransitions(OrderStatus from);
QList<BookingStatus> legalTransitions(BookingStatus from);
QList<TopupStatus> legalTransitions(TopupStatus from);

/// "Finished" for the cashier (error 2007): the order can no longer be paid. Everything but INIT
/// and PAYING: PAID, FAILED, CLOSED, REFUNDING and REFUNDED. PAID is finished yet may still go
/// to REFUNDING, so finished does not mean terminal.
bool isFinished(OrderStatus status);
/// No legal transition leaves the state (REFUNDED for orders).
bool isTerminal(OrderStatus status);
/// CANCELLED, REFUNDED and CHECKED_IN.
bool isTerminal(BookingStatus status);
/// DELIVERED, REFUNDED and CANCELLED.
bool isTerminal(TopupStatus status);

} // namespace pomelo
