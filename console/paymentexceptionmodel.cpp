#include "paymentexceptionmodel.h"

#include "format.h"

namespace pomelo::console {

using namespace api;

namespace {

constexpr auto Right = Qt::AlignRight | Qt::AlignVCenter;

} // namespace

QString paymentExceptionStateText(const QString &state)
{
    if (state == QLatin1String("REFUNDING"))
        return PaymentExceptionModel::tr("Refunding");
    if (state == QLatin1String("REFUNDED"))
        return PaymentExceptionModel::tr("Refunded");
    if (state == QLatin1String("REFUND_FAILED"))
        return PaymentExceptionModel::tr("Refund failed");
    if (state == QLatin1String("RESOLVED"))
        return PaymentExceptionModel::tr("Resolved");
    return state;
}

QColor paymentExceptionStateColor(const QString &state)
{
    if (state == QLatin1String("REFUND_FAILED"))
        return QColor(0xc6, 0x28, 0x28);
    if (state == QLatin1String("REFUNDING"))
        return QColor(0xe6, 0x51, 0x00);
    if (state == QLatin1String("REFUNDED"))
        return QColor(0x15, 0x65, 0xc0);
    return QColor(0x75, 0x75, 0x75); // resolved: nothing left to do
}

QString paymentExceptionReasonText(const QString &reason)
{
    if (reason == QLatin1String("AMOUNT_MISMATCH"))
        return PaymentExceptionModel::tr("Amount differs from the order");
    if (reason == QLatin1String("CURRENCY"))
        return PaymentExceptionModel::tr("Wrong currency");
    if (reason == QLatin1String("CHANNEL"))
        return PaymentExceptionModel::tr("Wrong channel or channel order");
    if (reason == QLatin1String("MERCHANT"))
        return PaymentExceptionModel::tr("Another merchant");
    if (reason == QLatin1String("UNKNOWN_ORDER"))
        return PaymentExceptionModel::tr("Unknown order");
    if (reason == QLatin1String("LATE"))
        return PaymentExceptionModel::tr("Paid after the order closed");
    if (reason == QLatin1String("DUPLICATE"))
        return PaymentExceptionModel::tr("Paid twice");
    return reason;
}

PaymentExceptionModel::PaymentExceptionModel(AdminClient *client, QObject *parent)
    : RowTableModel<PaymentExceptionItem>(parent)
    , m_client(client)
{
    // Ids are Snowflakes: sorting by their number is sorting by time.
    setColumns(
        {{tr("Id"), [](const PaymentExceptionItem &e) { return e.id; },
          [](const PaymentExceptionItem &e) {
              return e.id.toLongLong();
          }},
         {tr("Recorded"), [](const PaymentExceptionItem &e) { return displayTime(e.createdAt); },
          [](const PaymentExceptionItem &e) {
              return e.id.toLongLong();
          }},
         {tr("State"),
          [](const PaymentExceptionItem &e) { return paymentExceptionStateText(e.state); },
          {},
          Qt::AlignLeft | Qt::AlignVCenter,
          [](const PaymentExceptionItem &e) {
              return QVariant(paymentExceptionStateColor(e.state));
          }},
         {tr("Reason"),
          [](const PaymentExceptionItem &e) {
              return paymentExceptionReasonText(e.reason);
          }},
         {tr("Paid"), [](const PaymentExceptionItem &e) { return yuan(e.paidAmount); },
          [](const PaymentExceptionItem &e) { return e.paidAmount; }, Right},
         {tr("Channel"),
          [](const PaymentExceptionItem &e) {
              return channelText(e.channel);
          }},
         {tr("Order"),
          [](const PaymentExceptionItem &e) {
              return e.orderId.isEmpty() ? e.outTradeNo : e.orderId;
          }},
         {tr("Refund attempts"),
          [](const PaymentExceptionItem &e) { return e.refundAttempts; },
          {},
          Right},
         {tr("Updated"),
          [](const PaymentExceptionItem &e) {
              return displayTime(e.updatedAt);
          }}},
        [](const PaymentExceptionItem &e) { return e.id; });
}

void PaymentExceptionModel::refresh()
{
    m_client->paymentExceptions(
        {}, {}, this,
        [this](const Page<PaymentExceptionItem> &page) {
            setRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

void PaymentExceptionModel::loadMore()
{
    if (m_nextCursor.isEmpty())
        return;
    m_client->paymentExceptions(
        {}, m_nextCursor, this,
        [this](const Page<PaymentExceptionItem> &page) {
            appendRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

PaymentExceptionStateFilter::PaymentExceptionStateFilter(PaymentExceptionModel *model,
                                                         QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_model(model)
{
    setSourceModel(model);
}

void PaymentExceptionStateFilter::setStates(const QStringList &states)
{
    m_states = states;
    invalidateFilter();
}

int PaymentExceptionStateFilter::modelRow(int proxyRow) const
{
    if (proxyRow < 0 || proxyRow >= rowCount())
        return -1;
    return mapToSource(index(proxyRow, 0)).row();
}

bool PaymentExceptionStateFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    return m_states.isEmpty() || m_states.contains(m_model->rowAt(sourceRow).state);
}

} // namespace pomelo::console
