#include "format.h"

#include "domain/money.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace pomelo::console {

/// The translation context of the free functions below.
class Format
{
    Q_DECLARE_TR_FUNCTIONS(pomelo::console::Format)
};

QString yuan(qint64 cents)
{
    return QStringLiteral("¥") + formatYuan(cents);
}

std::optional<qint64> parseYuan(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^\\s*[¥￥]?\\s*(\\d{1,7})(?:\\.(\\d{1,2}))?\\s*$"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const qint64 whole = m.captured(1).toLongLong();
    QString fraction = m.captured(2);
    while (fraction.size() < 2)
        fraction.append(u'0');
    const qint64 cents = whole * 100 + fraction.toLongLong();
    if (!isValidAmount(cents))
        return std::nullopt;
    return cents;
}

QStringList orderStatuses()
{
    return {QStringLiteral("INIT"),    QStringLiteral("PAYING"), QStringLiteral("PAID"),
            QStringLiteral("FAILED"),  QStringLiteral("CLOSED"), QStringLiteral("REFUNDING"),
            QStringLiteral("REFUNDED")};
}

QString orderStatusText(const QString &status)
{
    if (status == QLatin1String("INIT"))
        return Format::tr("Created");
    if (status == QLatin1String("PAYING"))
        return Format::tr("Paying");
    if (status == QLatin1String("PAID"))
        return Format::tr("Paid");
    if (status == QLatin1String("FAILED"))
        return Format::tr("Failed");
    if (status == QLatin1String("CLOSED"))
        return Format::tr("Closed", "venue slot under a closure");
    if (status == QLatin1String("REFUNDING"))
        return Format::tr("Refunding");
    if (status == QLatin1String("REFUNDED"))
        return Format::tr("Refunded");
    return status;
}

QColor orderStatusColor(const QString &status)
{
    if (status == QLatin1String("PAID"))
        return QColor(0x2e, 0x7d, 0x32);
    if (status == QLatin1String("PAYING"))
        return QColor(0x15, 0x65, 0xc0);
    if (status == QLatin1String("FAILED"))
        return QColor(0xc6, 0x28, 0x28);
    if (status == QLatin1String("CLOSED"))
        return QColor(0x75, 0x75, 0x75);
    if (status == QLatin1String("REFUNDING") || status == QLatin1String("REFUNDED"))
        return QColor(0x8e, 0x24, 0xaa);
    return QColor(0xe6, 0x51, 0x00); // INIT: waiting for the user
}

QString slotStateText(const QString &state)
{
    if (state == QLatin1String("FREE"))
        return Format::tr("Free");
    if (state == QLatin1String("HELD"))
        return Format::tr("Held");
    if (state == QLatin1String("BOOKED"))
        return Format::tr("Booked");
    if (state == QLatin1String("CHECKED_IN"))
        return Format::tr("Checked in");
    if (state == QLatin1String("CLOSED"))
        return Format::tr("Closed", "venue slot under a closure");
    return state;
}

QColor slotStateColor(const QString &state)
{
    if (state == QLatin1String("HELD"))
        return QColor(0xff, 0xe0, 0x82);
    if (state == QLatin1String("BOOKED"))
        return QColor(0x90, 0xca, 0xf9);
    if (state == QLatin1String("CHECKED_IN"))
        return QColor(0xa5, 0xd6, 0xa7);
    if (state == QLatin1String("FREE"))
        return QColor(0xf7, 0xfb, 0xf4);
    return QColor(0xe0, 0xe0, 0xe0); // closed
}

QString bookingStatusText(const QString &status)
{
    if (status == QLatin1String("PENDING_PAYMENT"))
        return Format::tr("Awaiting payment");
    if (status == QLatin1String("PAID"))
        return Format::tr("Paid");
    if (status == QLatin1String("CANCELLED"))
        return Format::tr("Cancelled");
    if (status == QLatin1String("REFUNDING"))
        return Format::tr("Refunding");
    if (status == QLatin1String("REFUNDED"))
        return Format::tr("Refunded");
    if (status == QLatin1String("CHECKED_IN"))
        return Format::tr("Checked in");
    return status;
}

QString notificationStateText(const QString &state)
{
    if (state == QLatin1String("PENDING"))
        return Format::tr("Pending");
    if (state == QLatin1String("DELIVERED"))
        return Format::tr("Delivered");
    if (state == QLatin1String("FAILED"))
        return Format::tr("Failed");
    return state;
}

QString channelText(const QString &channel)
{
    if (channel == QLatin1String("WECHAT_JSAPI"))
        return Format::tr("WeChat Pay");
    if (channel == QLatin1String("ECARD"))
        return Format::tr("Campus card");
    return channel;
}

QString auditActionText(const QString &action)
{
    if (action == QLatin1String("order.close"))
        return Format::tr("Close order");
    if (action == QLatin1String("order.verify"))
        return Format::tr("Verify with channel");
    if (action == QLatin1String("order.refund"))
        return Format::tr("Refund");
    if (action == QLatin1String("order.renotify"))
        return Format::tr("Re-notify merchant");
    if (action == QLatin1String("booking.check_in"))
        return Format::tr("Check in");
    if (action == QLatin1String("queue.fire"))
        return Format::tr("Fire queue item");
    if (action == QLatin1String("queue.cancel"))
        return Format::tr("Cancel queue item");
    if (action == QLatin1String("notification.resend"))
        return Format::tr("Re-send notification");
    if (action == QLatin1String("notification.resend_failed"))
        return Format::tr("Re-send failed notifications");
    if (action == QLatin1String("topup.redeliver"))
        return Format::tr("Re-deliver top-up");
    if (action == QLatin1String("topup.refund"))
        return Format::tr("Refund top-up");
    if (action == QLatin1String("login"))
        return Format::tr("Log in");
    if (action == QLatin1String("login_failed"))
        return Format::tr("Failed log-in");
    if (action == QLatin1String("login_refused"))
        return Format::tr("Refused log-in");
    return action;
}

} // namespace pomelo::console
