#pragma once

// The admin's operations tables: event stream, delayed queues, locks, merchant notifications,
// audit log. Each model refreshes itself from the admin client on refresh().

#include "api/adminclient.h"
#include "rowtablemodel.h"

namespace pomelo::console {

class StreamGroupsModel : public RowTableModel<api::ConsumerGroup>
{
    Q_OBJECT
public:
    explicit StreamGroupsModel(QObject *parent = nullptr);
};

/// Stream entries (the newest of `pomelo:order-events`, or its dead letters).
class StreamEntriesModel : public RowTableModel<api::StreamEntry>
{
    Q_OBJECT
public:
    explicit StreamEntriesModel(QObject *parent = nullptr);
};

/// One fetch of GET /streams feeds three tables and the summary.
class StreamModels : public QObject
{
    Q_OBJECT
public:
    explicit StreamModels(api::AdminClient *client, QObject *parent = nullptr);
    void refresh();
    const api::StreamInfo &info() const { return m_info; }
    StreamGroupsModel *groups() const { return m_groups; }
    StreamEntriesModel *entries() const { return m_entries; }
    StreamEntriesModel *deadLetters() const { return m_dead; }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    api::StreamInfo m_info;
    StreamGroupsModel *m_groups;
    StreamEntriesModel *m_entries;
    StreamEntriesModel *m_dead;
};

class QueueItemsModel : public RowTableModel<api::DelayedItem>
{
    Q_OBJECT
public:
    explicit QueueItemsModel(api::AdminClient *client, QObject *parent = nullptr);
    void refresh();
    const QList<api::DelayedQueueInfo> &queues() const { return m_queues; }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    QList<api::DelayedQueueInfo> m_queues;
};

class LocksModel : public RowTableModel<api::LockEntry>
{
    Q_OBJECT
public:
    explicit LocksModel(api::AdminClient *client, QObject *parent = nullptr);
    void refresh();

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
};

class NotificationsModel : public RowTableModel<api::Notification>
{
    Q_OBJECT
public:
    explicit NotificationsModel(api::AdminClient *client, QObject *parent = nullptr);
    /// Notifications in @p state ("" for all).
    void setState(const QString &state);
    QString state() const { return m_state; }
    void refresh();
    const QHash<QString, qint64> &counts() const { return m_counts; }
    void updateNotification(const api::Notification &n) { upsert(n); }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    QString m_state = QStringLiteral("FAILED");
    QHash<QString, qint64> m_counts;
};

class AuditModel : public RowTableModel<api::AuditEntry>
{
    Q_OBJECT
public:
    explicit AuditModel(api::AdminClient *client, QObject *parent = nullptr);
    void setQuery(const api::AdminClient::AuditQuery &query);
    void refresh();
    void loadMore();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    api::AdminClient::AuditQuery m_query;
    QString m_nextCursor;
};

} // namespace pomelo::console
