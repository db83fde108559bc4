#include "venuesmodel.h"

#include "format.h"

#include <QDateTime>
#include <QLocale>

namespace pomelo::console {

using namespace api;

namespace {

constexpr auto Right = Qt::AlignRight | Qt::AlignVCenter;
constexpr auto Center = Qt::AlignCenter;

} // namespace

QString sportText(const QString &sport)
{
    if (sport == QLatin1String("badminton"))
        return VenuesModel::tr("Badminton");
    if (sport == QLatin1String("basketball"))
        return VenuesModel::tr("Basketball");
    if (sport == QLatin1String("table_tennis"))
        return VenuesModel::tr("Table tennis");
    if (sport == QLatin1String("swimming"))
        return VenuesModel::tr("Swimming");
    if (sport == QLatin1String("tennis"))
        return VenuesModel::tr("Tennis");
    if (sport == QLatin1String("volleyball"))
        return VenuesModel::tr("Volleyball");
    if (sport == QLatin1String("football"))
        return VenuesModel::tr("Football");
    return sport;
}

QStringList knownSports()
{
    return {QStringLiteral("badminton"),    QStringLiteral("basketball"),
            QStringLiteral("table_tennis"), QStringLiteral("swimming"),
            QStringLiteral("tennis"),       QStringLiteral("volleyball"),
            QStringLiteral("football")};
}

QString hoursText(const QString &from, const QString &to)
{
    return from + QStringLiteral("–") + to;
}

QString closureStateText(const QString &state)
{
    if (state == QLatin1String("PENDING_CONFIRMATION"))
        return ClosuresModel::tr("Awaiting confirmation");
    if (state == QLatin1String("CONFIRMED"))
        return ClosuresModel::tr("Confirmed");
    return state;
}

QColor closureStateColor(const QString &state)
{
    if (state == QLatin1String("PENDING_CONFIRMATION"))
        return QColor(0xe6, 0x51, 0x00); // an admin has to act
    if (state == QLatin1String("CONFIRMED"))
        return QColor(0x2e, 0x7d, 0x32);
    return QColor(0x75, 0x75, 0x75);
}

QString closurePeriodText(const QString &from, const QString &to)
{
    // Shown in the offset the server wrote (its zone), not converted to the console's.
    const QDateTime start = QDateTime::fromString(from, Qt::ISODate);
    const QDateTime end = QDateTime::fromString(to, Qt::ISODate);
    if (!start.isValid() || !end.isValid())
        return from + QStringLiteral(" – ") + to;
    const QString dateFormat = QStringLiteral("yyyy-MM-dd");
    if (start.time() == QTime(0, 0) && end.time() == QTime(0, 0) && end.date() > start.date()) {
        const QDate last = end.date().addDays(-1);
        if (last == start.date())
            return start.date().toString(dateFormat);
        return start.date().toString(dateFormat) + QStringLiteral(" – ")
            + last.toString(dateFormat);
    }
    const QString format = QStringLiteral("yyyy-MM-dd HH:mm");
    if (start.date() == end.date())
        return start.toString(format) + QStringLiteral("–") + end.toString(QStringLiteral("HH:mm"));
    return start.toString(format) + QStringLiteral(" – ") + end.toString(format);
}

QString closureDaysText(const QList<int> &days)
{
    if (days.isEmpty() || days.size() == 7)
        return ClosuresModel::tr("Every day");
    QStringList names;
    const QLocale locale;
    for (const int d : days) {
        if (d >= 1 && d <= 7)
            names.append(locale.dayName(d, QLocale::ShortFormat));
    }
    return names.join(QStringLiteral(", "));
}

QString closureHoursText(const QString &dailyFrom, const QString &dailyTo)
{
    if (dailyFrom.isEmpty() && dailyTo.isEmpty())
        return ClosuresModel::tr("All day");
    return hoursText(dailyFrom.isEmpty() ? QStringLiteral("00:00") : dailyFrom,
                     dailyTo.isEmpty() ? QStringLiteral("24:00") : dailyTo);
}

// ---- VenuesModel ----

VenuesModel::VenuesModel(AdminClient *client, QObject *parent)
    : RowTableModel<AdminVenue>(parent)
    , m_client(client)
{
    const auto grey = [](const AdminVenue &v) {
        return v.active ? QVariant() : QVariant(QColor(0x9e, 0x9e, 0x9e));
    };
    setColumns({{tr("Name"),
                 [](const AdminVenue &v) { return v.name; },
                 {},
                 Qt::AlignLeft | Qt::AlignVCenter,
                 grey},
                {tr("Sport"),
                 [](const AdminVenue &v) { return sportText(v.sport); },
                 {},
                 Qt::AlignLeft | Qt::AlignVCenter,
                 grey},
                {tr("Opening hours"),
                 [](const AdminVenue &v) { return hoursText(v.openFrom, v.openTo); },
                 {},
                 Center,
                 grey},
                {tr("Slot"), [](const AdminVenue &v) { return tr("%1 min").arg(v.slotMinutes); },
                 [](const AdminVenue &v) { return v.slotMinutes; }, Right, grey},
                {tr("Price per slot"), [](const AdminVenue &v) { return yuan(v.pricePerSlot); },
                 [](const AdminVenue &v) { return v.pricePerSlot; }, Right, grey},
                {tr("Active"),
                 [](const AdminVenue &v) { return v.active ? tr("Active") : tr("Out of service"); },
                 [](const AdminVenue &v) { return v.active ? 1 : 0; }, Center,
                 [](const AdminVenue &v) {
                     return QVariant(v.active ? QColor(0x2e, 0x7d, 0x32)
                                              : QColor(0xc6, 0x28, 0x28));
                 }}},
               [](const AdminVenue &v) { return QString::number(v.id); });
}

void VenuesModel::refresh()
{
    m_client->venues(
        this,
        [this](const QList<AdminVenue> &venues) {
            setRows(venues);
            emit refreshed();
        },
        [this](const ApiError &e) { emit failed(e); });
}

const AdminVenue *VenuesModel::venue(qint64 id) const
{
    const int row = rowOfVenue(id);
    return row < 0 ? nullptr : &rowAt(row);
}

// ---- VenueActiveFilter ----

VenueActiveFilter::VenueActiveFilter(VenuesModel *model, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_model(model)
{
    setSourceModel(model);
}

void VenueActiveFilter::setShowInactive(bool show)
{
    m_showInactive = show;
    invalidateFilter();
}

int VenueActiveFilter::modelRow(int proxyRow) const
{
    if (proxyRow < 0 || proxyRow >= rowCount())
        return -1;
    return mapToSource(index(proxyRow, 0)).row();
}

bool VenueActiveFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    return m_showInactive || m_model->rowAt(sourceRow).active;
}

// ---- ClosuresModel ----

ClosuresModel::ClosuresModel(AdminClient *client, QObject *parent)
    : RowTableModel<VenueClosure>(parent)
    , m_client(client)
{
    setColumns(
        {{tr("Period"), [](const VenueClosure &c) { return closurePeriodText(c.from, c.to); },
          [](const VenueClosure &c) {
              return c.from;
          }},
         {tr("Days"),
          [](const VenueClosure &c) {
              return closureDaysText(c.days);
          }},
         {tr("Hours"),
          [](const VenueClosure &c) {
              return closureHoursText(c.dailyFrom, c.dailyTo);
          }},
         {tr("Reason"),
          [](const VenueClosure &c) {
              return c.reason;
          }},
         {tr("Affected bookings"),
          [this](const VenueClosure &c) -> QVariant {
              const int n = affectedBookings(c.id);
              return n < 0 ? QStringLiteral("…") : QVariant(n);
          },
          [this](const VenueClosure &c) { return affectedBookings(c.id); }, Right},
         {tr("State"),
          [](const VenueClosure &c) { return closureStateText(c.state); },
          {},
          Qt::AlignLeft | Qt::AlignVCenter,
          [](const VenueClosure &c) {
              return QVariant(closureStateColor(c.state));
          }},
         {tr("Created by"),
          [](const VenueClosure &c) {
              return c.createdBy;
          }}},
        [](const VenueClosure &c) { return QString::number(c.id); });
}

void ClosuresModel::load(qint64 venueId, bool includePast)
{
    const quint64 generation = ++m_generation;
    if (venueId != m_venueId) {
        clear();
        m_affected.clear();
    }
    m_venueId = venueId;
    m_includePast = includePast;
    if (venueId == 0) {
        clear();
        emit refreshed();
        return;
    }
    m_client->closures(
        venueId, includePast, this,
        [this, generation, venueId](const QList<VenueClosure> &closures) {
            if (generation != m_generation)
                return;
            setRows(closures);
            emit refreshed();
            for (const VenueClosure &c : closures) {
                m_client->closure(
                    venueId, c.id, this,
                    [this, generation](const ClosureDetail &d) {
                        if (generation == m_generation)
                            setDetail(d);
                    },
                    [this, generation](const ApiError &e) {
                        if (generation == m_generation)
                            emit failed(e);
                    });
            }
        },
        [this, generation](const ApiError &e) {
            if (generation == m_generation)
                emit failed(e);
        });
}

void ClosuresModel::setDetail(const ClosureDetail &detail)
{
    // Only for a closure of this table (an answer may arrive after the venue changed).
    if (rowOfClosure(detail.closure.id) < 0
        || (m_venueId != 0 && detail.closure.venueId != 0 && detail.closure.venueId != m_venueId))
        return;
    m_affected.insert(detail.closure.id, static_cast<int>(detail.bookings.size()));
    upsert(detail.closure); // the row and its count
}

} // namespace pomelo::console
