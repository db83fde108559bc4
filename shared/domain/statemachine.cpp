#include "statemachine.h"

namespace pomelo {

// The transition tables are written as switches so that adding a state without deciding its
// transitions is a -Wswitch warning (an error here), not a silent "illegal".

namespace {

template<typename Status, std::size_t N>
std::optional<Status> fromName(QStringView name, const std::array<Status, N> &all)
{
    for (const Status status : all) {
        if (name == statusName(status))
            return status;
    }
    return std::nullopt;
}

template<typename Status, std::size_t N>
QList<Status> targetsFrom(Status from, const std::array<Status, N> &all)
{
    QList<Status> targets;
    for (const Status to : all) {
        if (isLegalTransition(from, to))
            targets.append(to);
    }
    return targets;
}

} // namespace

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

QString statusName(TopupStatus status)
{
    switch (status) {
    case TopupStatus::PendingPayment:
        return QStringLiteral("PENDING_PAYMENT");
    case TopupStatus::Paid:
        return QStringLiteral("PAID");
    case TopupStatus::Delivered:
        return QStringLiteral("DELIVERED");
    case TopupStatus::DeliveryFailed:
        return QStringLiteral("DELIVERY_FAILED");
    case TopupStatus::Refunding:
        return QStringLiteral("REFUNDING");
    case TopupStatus::Refunded:
        return QStringLiteral("REFUNDED");
    case TopupStatus::Cancelled:
        return QStringLiteral("CANCELLED");
    }
    return {};
}

std::optional<OrderStatus> orderStatusFromName(QStringView name)
{
    return fromName(name, AllOrderStatuses);
}

std::optional<BookingStatus> bookingStatusFromName(QStringView name)
{
    return fromName(name, AllBookingStatuses);
}

std::optional<TopupStatus> topupStatusFromName(QStringView name)
{
    return fromName(name, AllTopupStatuses);
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

bool isLegalTransition(TopupStatus from, TopupStatus to)
{
    switch (from) {
    case TopupStatus::PendingPayment:
        return to == TopupStatus::Paid || to == TopupStatus::Cancelled;
    case TopupStatus::Paid:
        return to == TopupStatus::Delivered || to == TopupStatus::DeliveryFailed;
    case TopupStatus::DeliveryFailed:
        return to == TopupStatus::Refunding || to == TopupStatus::Paid
            || to == TopupStatus::Delivered;
    case TopupStatus::Refunding:
        return to == TopupStatus::Refunded || to == TopupStatus::DeliveryFailed;
    case TopupStatus::Delivered:
    case TopupStatus::Refunded:
    case TopupStatus::Cancelled:
        return false;
    }
    return false;
}

QList<OrderStatus> legalTransitions(OrderStatus from)
{
    return targetsFrom(from, AllOrderStatuses);
}

QList<BookingStatus> legalTransitions(BookingStatus from)
{
    return targetsFrom(from, AllBookingStatuses);
}

QList<TopupStatus> legalTransitions(TopupStatus from)
{
    return targetsFrom(from, AllTopupStatuses);
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

bool isTerminal(TopupStatus status)
{
    return legalTransitions(status).isEmpty();
}

} // namespace pomelo
