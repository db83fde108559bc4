#include "topupsmodel.h"

#include "format.h"

namespace pomelo::console {

using api::Topup;

QStringList topupStatuses()
{
    return {QStringLiteral("PENDING_PAYMENT"), QStringLiteral("PAID"),
            QStringLiteral("DELIVERED"),       QStringLiteral("DELIVERY_FAILED"),
            QStringLiteral("REFUNDING"),       QStringLiteral("REFUNDED"),
            QStringLiteral("CANCELLED")};
}

QString topupStatusText(const QString &status)
{
    if (status == QLatin1String("PENDING_PAYMENT"))
        return TopupsModel::tr("Awaiting payment");
    if (status == QLatin1String("PAID"))
        return TopupsModel::tr("Paid, delivering");
    if (status == QLatin1String("DELIVERED"))
        return TopupsModel::tr("Delivered");
    if (status == QLatin1String("DELIVERY_FAILED"))
        return TopupsModel::tr("Delivery failed");
    if (status == QLatin1String("REFUNDING"))
        return TopupsModel::tr("Refunding");
    if (status == QLatin1String("REFUNDED"))
        return TopupsModel::tr("Refunded");
    if (status == QLatin1String("CANCELLED"))
        return TopupsModel::tr("Cancelled");
    return status;
}

QColor topupStatusColor(const QString &status)
{
    if (status == QLatin1String("DELIVERY_FAILED"))
        return QColor(0xc6, 0x28, 0x28);
    // The student paid and the room has not got it yet (or the money is on its way back).
    if (status == QLatin1String("PAID") || status == QLatin1String("REFUNDING"))
        return QColor(0xe6, 0x51, 0x00);
    if (status == QLatin1String("DELIVERED"))
        return QColor(0x2e, 0x7d, 0x32);
    if (status == QLatin1String("REFUNDED"))
        return QColor(0x15, 0x65, 0xc0);
    return QColor(0x75, 0x75, 0x75); // not paid, or cancelled: no money moved
}

QString utilityText(const QString &utility)
{
    if (utility == QLatin1String("ELECTRICITY"))
        return TopupsModel::tr("Electricity");
    if (utility == QLatin1String("WATER"))
        return TopupsModel::tr("Water");
    return utility;
}

QString topupActorText(const QString &actor)
{
    if (actor == QLatin1String("system"))
        return TopupsModel::tr("System");
    if (actor == QLatin1String("student"))
        return TopupsModel::tr("Student");
    if (actor == QLatin1String("pay-notify"))
        return TopupsModel::tr("Payment notification");
    for (const QLatin1String prefix : {QLatin1String("staff:"), QLatin1String("admin:")}) {
        if (actor.startsWith(prefix))
            return TopupsModel::tr("Staff %1").arg(actor.mid(prefix.size()));
    }
    return actor;
}

QString topupEventKindText(const QString &kind)
{
    if (kind == QLatin1String("TRANSITION"))
        return TopupsModel::tr("Status change");
    if (kind == QLatin1String("ATTEMPT"))
        return TopupsModel::tr("Delivery attempt");
    return kind;
}

QString topupRoomText(const Topup &t)
{
    if (t.building.isEmpty() && t.room.isEmpty())
        return t.roomId;
    return QStringLiteral("%1 %2").arg(t.building, t.room).trimmed();
}

TopupsModel::TopupsModel(api::AdminClient *client, QObject *parent)
    : RowTableModel<Topup>(parent)
    , m_client(client)
{
    const auto right = Qt::AlignRight | Qt::AlignVCenter;
    const auto left = Qt::AlignLeft | Qt::AlignVCenter;
    // Ids are Snowflakes: sorting by their number is sorting by creation, also within a second.
    setColumns({{tr("Created"), [](const Topup &t) { return api::displayTime(t.createdAt); },
                 [](const Topup &t) {
                     return t.id.toLongLong();
                 }},
                {tr("Room"),
                 [](const Topup &t) {
                     return topupRoomText(t);
                 }},
                {tr("Type"),
                 [](const Topup &t) {
                     return utilityText(t.utility);
                 }},
                {tr("Amount"), [](const Topup &t) { return yuan(t.amount); },
                 [](const Topup &t) { return t.amount; }, right},
                {tr("Status"), [](const Topup &t) { return topupStatusText(t.status); },
                 [](const Topup &t) { return topupStatuses().indexOf(t.status); }, left,
                 [](const Topup &t) {
                     return QVariant(topupStatusColor(t.status));
                 }},
                {tr("Delivery attempts"), [](const Topup &t) { return t.attempts; }, {}, right},
                {tr("Last error"),
                 [](const Topup &t) {
                     return t.lastError;
                 }}},
               [](const Topup &t) { return t.id; });
}

void TopupsModel::setQuery(const api::TopupQuery &query)
{
    m_query = query;
    m_query.cursor.clear();
    m_nextCursor.clear();
    clear();
    refresh();
}

void TopupsModel::refresh()
{
    const int generation = ++m_generation;
    m_client->topups(
        m_query, this,
        [this, generation](const api::Page<Topup> &page) {
            if (generation != m_generation)
                return; // a newer query was started meanwhile
            setRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this, generation](const api::ApiError &e) {
            if (generation == m_generation)
                emit failed(e);
        });
}

void TopupsModel::loadMore()
{
    if (m_nextCursor.isEmpty())
        return;
    const int generation = m_generation;
    api::TopupQuery q = m_query;
    q.cursor = m_nextCursor;
    m_client->topups(
        q, this,
        [this, generation](const api::Page<Topup> &page) {
            if (generation != m_generation)
                return;
            appendRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this](const api::ApiError &e) { emit failed(e); });
}

const Topup *TopupsModel::topup(const QString &id) const
{
    const int row = rowOfKey(id);
    return row >= 0 ? &rowAt(row) : nullptr;
}

} // namespace pomelo::console
