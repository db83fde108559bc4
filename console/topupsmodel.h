#pragma once

// Utility (水电) top-ups: the admin API's list as a table, and the texts the console shows for a
// top-up's codes (status, utility, who did what) in every place that names them.

#include "api/adminclient.h"
#include "rowtablemodel.h"

#include <QColor>

namespace pomelo::console {

/// The top-up statuses in the order of their life (PENDING_PAYMENT … CANCELLED).
QStringList topupStatuses();
/// Translated name of a top-up status; the server's word for one this console does not know.
QString topupStatusText(const QString &status);
/// Red while someone may have to act (DELIVERY_FAILED), amber while money is on its way.
QColor topupStatusColor(const QString &status);
/// 电费 / 水费 (ELECTRICITY / WATER).
QString utilityText(const QString &utility);
/// Who wrote an event: the student, the system, the pay platform's notification, or staff.
QString topupActorText(const QString &actor);
/// Translated kind of an event (TRANSITION, ATTEMPT).
QString topupEventKindText(const QString &kind);
/// "竹园1栋 101", or the room id when the top-up names no building.
QString topupRoomText(const api::Topup &topup);

/// Top-ups of the admin API, newest first: the first page of the query on refresh(), more with
/// loadMore(). The status filter is the server's (a failed top-up may be old: it must not need
/// the pages before it); the text filter is the table's proxy over the loaded rows.
class TopupsModel : public RowTableModel<api::Topup>
{
    Q_OBJECT

public:
    enum Column { Created, Room, Utility, Amount, Status, Attempts, LastError };

    explicit TopupsModel(api::AdminClient *client, QObject *parent = nullptr);

    /// Loads the first page of @p query (the rows of the previous query go).
    void setQuery(const api::TopupQuery &query);
    const api::TopupQuery &query() const { return m_query; }
    /// Loads the first page again (rows merge: the selection stays).
    void refresh();
    void loadMore();
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    /// The row of @p topup's id, after an action (or inserted at the top).
    void updateTopup(const api::Topup &topup) { upsert(topup); }
    const api::Topup *topup(const QString &id) const;

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    api::TopupQuery m_query;
    QString m_nextCursor;
    int m_generation = 0;
};

} // namespace pomelo::console
