#include "opsmodels.h"

#include "format.h"

#include <QJsonDocument>

namespace pomelo::console {

using namespace api;

namespace {

constexpr auto Right = Qt::AlignRight | Qt::AlignVCenter;

QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString field(const StreamEntry &e, const char *name)
{
    return e.fields.value(QLatin1String(name)).toString();
}

} // namespace

StreamGroupsModel::StreamGroupsModel(QObject *parent)
    : RowTableModel<ConsumerGroup>(parent)
{
    setColumns({{tr("Group"),
                 [](const ConsumerGroup &g) {
                     return g.name;
                 }},
                {tr("Consumers"), [](const ConsumerGroup &g) { return g.consumers; }, {}, Right},
                {tr("Pending"), [](const ConsumerGroup &g) { return g.pending; }, {}, Right},
                {tr("Lag"),
                 [](const ConsumerGroup &g) {
                     return g.lag < 0 ? QVariant(tr("unknown")) : QVariant(g.lag);
                 },
                 [](const ConsumerGroup &g) { return g.lag; }, Right},
                {tr("Last delivered"),
                 [](const ConsumerGroup &g) {
                     return g.lastDeliveredId;
                 }}},
               [](const ConsumerGroup &g) { return g.name; });
}

StreamEntriesModel::StreamEntriesModel(QObject *parent)
    : RowTableModel<StreamEntry>(parent)
{
    setColumns({{tr("Entry"),
                 [](const StreamEntry &e) {
                     return e.id;
                 }},
                {tr("Order"),
                 [](const StreamEntry &e) {
                     return field(e, "orderId");
                 }},
                {tr("App"),
                 [](const StreamEntry &e) {
                     return field(e, "appId");
                 }},
                {tr("From"),
                 [](const StreamEntry &e) {
                     return orderStatusText(field(e, "prevStatus"));
                 }},
                {tr("To"),
                 [](const StreamEntry &e) {
                     return orderStatusText(field(e, "status"));
                 }},
                {tr("Fields"),
                 [](const StreamEntry &e) {
                     return compactJson(e.fields);
                 }}},
               [](const StreamEntry &e) { return e.id; });
}

StreamModels::StreamModels(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_groups(new StreamGroupsModel(this))
    , m_entries(new StreamEntriesModel(this))
    , m_dead(new StreamEntriesModel(this))
{ }

void StreamModels::refresh()
{
    m_client->streams(
        this,
        [this](const StreamInfo &info) {
            m_info = info;
            m_groups->setRows(info.groups);
            m_entries->setRows(info.entries);
            m_dead->setRows(info.deadLetters);
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

QueueItemsModel::QueueItemsModel(AdminClient *client, QObject *parent)
    : RowTableModel<DelayedItem>(parent)
    , m_client(client)
{
    setColumns({{tr("Queue"),
                 [](const DelayedItem &i) {
                     return i.queue;
                 }},
                {tr("Member"),
                 [](const DelayedItem &i) {
                     return i.member;
                 }},
                {tr("State"),
                 [](const DelayedItem &i) {
                     return i.state == QLatin1String("PROCESSING") ? tr("Processing")
                                                                   : tr("Scheduled");
                 }},
                {tr("Due"), [](const DelayedItem &i) { return displayTime(i.dueAt); },
                 [](const DelayedItem &i) {
                     return i.dueAt;
                 }},
                {tr("Attempts"), [](const DelayedItem &i) { return i.attempts; }, {}, Right},
                {tr("Payload"),
                 [](const DelayedItem &i) {
                     return i.payload;
                 }}},
               [](const DelayedItem &i) { return QString(i.queue + QLatin1Char('/') + i.member); });
}

void QueueItemsModel::refresh()
{
    m_client->queues(
        this,
        [this](const QList<DelayedQueueInfo> &queues) {
            m_queues = queues;
            QList<DelayedItem> items;
            for (const DelayedQueueInfo &q : queues)
                items.append(q.items);
            setRows(items);
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

LocksModel::LocksModel(AdminClient *client, QObject *parent)
    : RowTableModel<LockEntry>(parent)
    , m_client(client)
{
    setColumns({{tr("Key"),
                 [](const LockEntry &l) {
                     return l.key;
                 }},
                {tr("Owners"),
                 [](const LockEntry &l) {
                     return l.ownerNames().join(QStringLiteral(", "));
                 }},
                {tr("Expires in"),
                 [](const LockEntry &l) {
                     return tr("%1 s").arg(QString::number(l.ttlMs / 1000.0, 'f', 1));
                 },
                 [](const LockEntry &l) { return l.ttlMs; }, Right}},
               [](const LockEntry &l) { return l.key; });
}

void LocksModel::refresh()
{
    m_client->locks(
        this,
        [this](const QList<LockEntry> &locks) {
            setRows(locks);
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

NotificationsModel::NotificationsModel(AdminClient *client, QObject *parent)
    : RowTableModel<Notification>(parent)
    , m_client(client)
{
    setColumns({{tr("Id"), [](const Notification &n) { return n.id; },
                 [](const Notification &n) {
                     return n.id.toLongLong();
                 }},
                {tr("Order"),
                 [](const Notification &n) {
                     return n.orderId;
                 }},
                {tr("App"),
                 [](const Notification &n) {
                     return n.appId;
                 }},
                {tr("Order status"),
                 [](const Notification &n) {
                     return orderStatusText(n.orderStatus);
                 }},
                {tr("State"),
                 [](const Notification &n) { return notificationStateText(n.state); },
                 {},
                 Qt::AlignLeft | Qt::AlignVCenter,
                 [](const Notification &n) {
                     return n.state == QLatin1String("FAILED") ? QVariant(QColor(0xc6, 0x28, 0x28))
                                                               : QVariant();
                 }},
                {tr("Attempts"), [](const Notification &n) { return n.attempts; }, {}, Right},
                {tr("Last error"),
                 [](const Notification &n) {
                     return n.lastHttpStatus
                         ? QStringLiteral("HTTP %1 %2").arg(n.lastHttpStatus).arg(n.lastError)
                         : n.lastError;
                 }},
                {tr("Updated"),
                 [](const Notification &n) {
                     return displayTime(n.updatedAt);
                 }},
                {tr("URL"),
                 [](const Notification &n) {
                     return n.url;
                 }}},
               [](const Notification &n) { return n.id; });
}

void NotificationsModel::setState(const QString &state)
{
    m_state = state;
    clear();
    refresh();
}

void NotificationsModel::refresh()
{
    const QString state = m_state;
    m_client->notifications(
        state, {}, {}, this,
        [this, state](const AdminClient::NotificationPage &page) {
            if (state != m_state)
                return;
            m_counts = page.counts;
            setRows(page.page.items);
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

AuditModel::AuditModel(AdminClient *client, QObject *parent)
    : RowTableModel<AuditEntry>(parent)
    , m_client(client)
{
    setColumns({{tr("Time"), [](const AuditEntry &e) { return displayTime(e.at); },
                 [](const AuditEntry &e) {
                     return e.id.toLongLong();
                 }},
                {tr("Who"),
                 [](const AuditEntry &e) {
                     return e.actor;
                 }},
                {tr("Action"),
                 [](const AuditEntry &e) {
                     return auditActionText(e.action);
                 }},
                {tr("Target"),
                 [](const AuditEntry &e) {
                     return e.target;
                 }},
                {tr("Reason"),
                 [](const AuditEntry &e) {
                     return e.reason;
                 }},
                {tr("Outcome"),
                 [](const AuditEntry &e) {
                     const QString outcome = e.details.value(QStringLiteral("outcome")).toString();
                     if (outcome == QLatin1String("ok"))
                         return tr("OK");
                     if (outcome == QLatin1String("error"))
                         return tr("Error %1").arg(e.details.value(QStringLiteral("code")).toInt());
                     return outcome;
                 }},
                {tr("From"),
                 [](const AuditEntry &e) {
                     return e.remoteAddress;
                 }},
                {tr("Details"),
                 [](const AuditEntry &e) {
                     return compactJson(e.details);
                 }}},
               [](const AuditEntry &e) { return e.id; });
}

void AuditModel::setQuery(const AdminClient::AuditQuery &query)
{
    m_query = query;
    clear();
    refresh();
}

void AuditModel::refresh()
{
    AdminClient::AuditQuery q = m_query;
    q.cursor.clear();
    m_client->audit(
        q, this,
        [this](const Page<AuditEntry> &page) {
            setRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

void AuditModel::loadMore()
{
    if (m_nextCursor.isEmpty())
        return;
    AdminClient::AuditQuery q = m_query;
    q.cursor = m_nextCursor;
    m_client->audit(
        q, this,
        [this](const Page<AuditEntry> &page) {
            appendRows(page.items);
            m_nextCursor = page.nextCursor;
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

} // namespace pomelo::console
