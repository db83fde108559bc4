#include "statemachine.h"

namespace pomelo {

// The transition tables are written as switches so that adding a state without deciding its
// transitions is a -Wswitch warning (an error here), not a silent "illegal".

QString statusName(OrderStatus status)
{
    switch (status) {
    case OrderStatus::Init:
        return QStringLiteral("INIT");
    case OrderStatus::Paying:
        return QStringLiteral("PAYING");
    case OrderStatus::Paid:
        return QStringLiteral("PAID");
    case OrderStatus::Failed:
        return QStringLiteral("FAILED");
    case OrderStatus::Closed:
        return QStringLiteral("CLOSED");
    case OrderStatus::Refunding:
        return QStringLiteral("REFUNDING");
    case OrderStatus::Refunded:
        return QStringLiteral("REFUNDED");
    }
    return {};
}

QString statusName(BookingStatus status)
{
    switch (status) {
    case BookingStatus::PendingPayment:
        return QStringLiteral("PENDING_PAYMENT");
    case BookingStatus::Paid:
        return QStringLiteral("PAID");
    case BookingStatus::Cancelled:
        return QStringLiteral("CANCELLED");
    case BookingStatus::Refunding:
        return QStringLiteral("REFUNDING");
    case BookingStatus::Refunded:
        return QStringLiteral("REFUNDED");
    case BookingStatus::CheckedIn:
        return QStringLiteral("CHECKED_IN");
    }
    return {};
}

std::optional<OrderStatus> orderStatusFromName(QStringView name)
{
    for (const OrderStatus status : AllOrderStatuses) {
        if (name == statusName(status))
            return status;
    }
    return std::nullopt;
}

std::optional<BookingStatus> bookingStatusFromName(QStringView name)
{
    for (const BookingStatus status : AllBookingStatuses) {
        if (name == statusName(status))
            return status;
    }
    return std::nullopt;
}

bool isLegalTransition(OrderStatus from, OrderStatus to)
{
    switch (from) {
    case OrderStatus::Init:
        return to == OrderStatus::Paying || to == OrderStatus::Closed;
    case OrderStatus::Paying:
        return to == OrderStatus::Paid || to == OrderStatus::Failed || to == OrderStatus::Closed;
    case OrderStatus::Paid:
        return to == OrderStatus::Refunding;
    case OrderStatus::Refunding:
        return to == OrderStatus::Refunded || to == OrderStatus::Paid;
    case OrderStatus::Closed:
    case OrderStatus::Failed:
        return to == OrderStatus::Refunding;
    case OrderStatus::Refunded:
        return false;
    }
    return false;
}

bool isLegalTransition(BookingStatus from, BookingStatus to)
{
    switch (from) {
    case BookingStatus::PendingPayment:
        return to == BookingStatus::Paid || to == BookingStatus::Cancelled;
    case BookingStatus::Paid:
        return to == BookingStatus::Refunding || to == BookingStatus::CheckedIn;
    case BookingStatus::Refunding:
        return to == BookingStatus::Refunded || to == BookingStatus::Paid;
    case BookingStatus::Cancelled:
    case BookingStatus::Refunded:
    case BookingStatus::CheckedIn:
        return false;
    }
    return false;
}

QList<OrderStatus> legalTransitions(OrderStatus from)
{
    QList<OrderStatus> targets;
    for (const OrderStatus to : AllOrderStatuses) {
        if (isLegalTransition(from, to))
            targets.append(to);
    }
    return targets;
}

QList<BookingStatus> legalTransitions(BookingStatus from)
{
    QList<BookingStatus> targets;
    for (const BookingStatus to : AllBookingStatuses) {
        if (isLegalTransition(from, to))
            targets.append(to);
    }
    return targets;
}

bool isFinished(OrderStatus status)
{
    switch (status) {
    case OrderStatus::Init:
    case OrderStatus::Paying:
        return false;
    case OrderStatus::Paid:
    case OrderStatus::Failed:
    case OrderStatus::Closed:
    case OrderStatus::Refunding:
    case OrderStatus::Refunded:
        return true;
    }
    return true;
}

bool isTerminal(OrderStatus status)
{
    return legalTransitions(status).isEmpty();
}

bool isTerminal(BookingStatus status)
{
    return legalTransitions(status).isEmpty();
}

} // namespace pomelo
