#pragma once

// Venues as staff manage them (name, sport, hours, slot length, price, active) and the closures
// of one venue, as the admin API lists them, with the filter the view puts between the venues
// and their table.

#include "api/adminclient.h"
#include "rowtablemodel.h"

#include <QColor>
#include <QSortFilterProxyModel>

namespace pomelo::console {

/// Translated name of a sport key (badminton → 羽毛球); an unknown key as it is.
QString sportText(const QString &sport);
/// The sports the venue dialog offers, as keys.
QStringList knownSports();
/// "08:00–22:00".
QString hoursText(const QString &from, const QString &to);
/// Translated closure state (PENDING_CONFIRMATION, CONFIRMED).
QString closureStateText(const QString &state);
QColor closureStateColor(const QString &state);
/// The span of a closure in the zone its times were written in: "2026-12-10 – 2026-12-11" for
/// whole days (`to` exclusive at midnight), "2026-12-10 14:00–18:00" within a day, else
/// "2026-12-10 14:00 – 2026-12-11 10:00".
QString closurePeriodText(const QString &from, const QString &to);
/// "Every day", or the weekdays "Mon, Wed" (ISO 1 = Monday).
QString closureDaysText(const QList<int> &days);
/// "All day", or "14:00–16:00".
QString closureHoursText(const QString &dailyFrom, const QString &dailyTo);

/// Every venue, inactive ones too. Money is shown in yuan, sorted in cents.
class VenuesModel : public RowTableModel<api::AdminVenue>
{
    Q_OBJECT

public:
    enum Column { Name, Sport, Hours, Slot, Price, Active };

    explicit VenuesModel(api::AdminClient *client, QObject *parent = nullptr);

    void refresh();
    /// The row of @p id, or -1.
    int rowOfVenue(qint64 id) const { return rowOfKey(QString::number(id)); }
    const api::AdminVenue *venue(qint64 id) const;
    /// After a create or an update (or inserted at the top).
    void updateVenue(const api::AdminVenue &v) { upsert(v); }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
};

/// Hides inactive venues unless asked; between VenuesModel and a TableView's own sort and
/// quick-filter proxy.
class VenueActiveFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit VenueActiveFilter(VenuesModel *model, QObject *parent = nullptr);

    void setShowInactive(bool show);
    bool showInactive() const { return m_showInactive; }
    /// The model's row of a row of this proxy, or -1.
    int modelRow(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    VenuesModel *m_model;
    bool m_showInactive = true;
};

/// The closures of one venue. The list answer has no booking counts, so each closure's detail
/// (`GET …/closures/{id}`) is fetched after it for the "affected bookings" column.
class ClosuresModel : public RowTableModel<api::VenueClosure>
{
    Q_OBJECT

public:
    enum Column { Period, Days, Hours, Reason, Affected, State, CreatedBy };

    explicit ClosuresModel(api::AdminClient *client, QObject *parent = nullptr);

    /// Loads the closures of @p venueId (0: none); with @p includePast the ended ones too.
    void load(qint64 venueId, bool includePast);
    void refresh() { load(m_venueId, m_includePast); }
    qint64 venueId() const { return m_venueId; }
    /// The bookings a closure covers now, or -1 while unknown.
    int affectedBookings(qint64 closureId) const { return m_affected.value(closureId, -1); }
    /// Sets the count of a closure of the table (from a detail the view fetched) and its row.
    void setDetail(const api::ClosureDetail &detail);
    int rowOfClosure(qint64 id) const { return rowOfKey(QString::number(id)); }

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    api::AdminClient *m_client;
    qint64 m_venueId = 0;
    bool m_includePast = false;
    /// Answers of an earlier load (another venue) are dropped.
    quint64 m_generation = 0;
    QHash<qint64, int> m_affected;
};

} // namespace pomelo::console
