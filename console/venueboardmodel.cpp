#include "venueboardmodel.h"

#include "format.h"

#include <QTime>

#include <numeric>

namespace pomelo::console {

namespace {

int minuteOfDay(const QString &hhmm)
{
    const QTime t = QTime::fromString(hhmm, QStringLiteral("HH:mm"));
    return t.isValid() ? t.hour() * 60 + t.minute() : -1;
}

/// End minute of a slot; a slot ending at midnight ("00:00") ends at 24:00.
int endMinute(const api::BoardSlot &s)
{
    const int start = minuteOfDay(s.startTime);
    int end = minuteOfDay(s.endTime);
    if (end <= start)
        end += 24 * 60;
    return end;
}

} // namespace

VenueBoardModel::VenueBoardModel(api::AdminClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{ }

int VenueBoardModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_board.venues.size());
}

int VenueBoardModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_columns;
}

void VenueBoardModel::load(const QString &date)
{
    m_date = date;
    m_client->venueBoard(
        date, this,
        [this, date](const api::VenueBoard &board) {
            if (date != m_date)
                return;
            setBoard(board);
            emit refreshed();
        },
        [this](const api::ApiError &e) { emit failed(e); });
}

void VenueBoardModel::setBoard(const api::VenueBoard &board)
{
    const bool sameShape = board.venues.size() == m_board.venues.size() && !m_cells.isEmpty();
    int first = 24 * 60;
    int last = 0;
    int step = 0;
    for (const api::BoardVenue &v : board.venues) {
        for (const api::BoardSlot &s : v.timeSlots) {
            const int start = minuteOfDay(s.startTime);
            if (start < 0)
                continue;
            first = std::min(first, start);
            last = std::max(last, endMinute(s));
            step = std::gcd(step, endMinute(s) - start);
            step = std::gcd(step, start);
        }
    }
    if (step <= 0 || last <= first) {
        first = 0;
        last = 0;
        step = 30;
    }
    step = std::max(step, 5); // a grid of at most 288 columns
    QList<QList<int>> cells;
    const int columns = (last - first) / step;
    for (const api::BoardVenue &v : board.venues) {
        QList<int> row(columns, -1);
        for (int i = 0; i < v.timeSlots.size(); ++i) {
            const int start = minuteOfDay(v.timeSlots.at(i).startTime);
            if (start < 0)
                continue;
            for (int c = (start - first) / step; c < (endMinute(v.timeSlots.at(i)) - first) / step;
                 ++c) {
                if (c >= 0 && c < columns)
                    row[c] = i;
            }
        }
        cells.append(row);
    }
    const bool keepShape = sameShape && columns == m_columns && first == m_firstMinute
        && step == m_stepMinutes && board.date == m_board.date;
    if (!keepShape)
        beginResetModel();
    m_board = board;
    m_firstMinute = first;
    m_stepMinutes = step;
    m_columns = columns;
    m_cells = cells;
    if (!keepShape)
        endResetModel();
    else if (rowCount() > 0 && m_columns > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, m_columns - 1));
}

const api::BoardVenue *VenueBoardModel::venueAt(int row) const
{
    return row >= 0 && row < m_board.venues.size() ? &m_board.venues.at(row) : nullptr;
}

const api::BoardSlot *VenueBoardModel::slotAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.row() >= m_cells.size() || index.column() >= m_columns)
        return nullptr;
    const int slot = m_cells.at(index.row()).at(index.column());
    return slot < 0 ? nullptr : &m_board.venues.at(index.row()).timeSlots.at(slot);
}

int VenueBoardModel::columnOf(const QString &time) const
{
    const int m = minuteOfDay(time);
    return m < 0 ? -1 : (m - m_firstMinute) / m_stepMinutes;
}

int VenueBoardModel::columnSpan(int row, int column) const
{
    const api::BoardSlot *s = slotAt(index(row, column));
    if (!s || columnOf(s->startTime) != column)
        return 1;
    return std::max(1, (endMinute(*s) - minuteOfDay(s->startTime)) / m_stepMinutes);
}

QModelIndex VenueBoardModel::indexOfBooking(const QString &bookingId) const
{
    for (int r = 0; r < m_board.venues.size(); ++r) {
        for (const api::BoardSlot &s : m_board.venues.at(r).timeSlots) {
            if (!bookingId.isEmpty() && s.bookingId == bookingId)
                return index(r, columnOf(s.startTime));
        }
    }
    return {};
}

QVariant VenueBoardModel::data(const QModelIndex &index, int role) const
{
    const api::BoardSlot *s = slotAt(index);
    if (!s)
        return role == Qt::BackgroundRole ? QVariant(slotStateColor(QString())) : QVariant();
    switch (role) {
    case Qt::DisplayRole:
        if (s->state == QLatin1String("FREE"))
            return QString();
        if (!s->userName.isEmpty())
            return s->userName;
        return slotStateText(s->state);
    case Qt::ToolTipRole: {
        QString tip =
            QStringLiteral("%1–%2  %3").arg(s->startTime, s->endTime, slotStateText(s->state));
        if (!s->bookingId.isEmpty())
            tip += QLatin1Char('\n') + tr("Booking %1").arg(s->bookingId);
        if (!s->userName.isEmpty() || !s->studentId.isEmpty())
            tip += QLatin1Char('\n') + tr("User: %1 %2").arg(s->userName, s->studentId);
        return tip;
    }
    case Qt::BackgroundRole:
        return slotStateColor(s->state);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignCenter);
    case StateRole:
        return s->state;
    case BookingIdRole:
        return s->bookingId;
    default:
        return {};
    }
}

QVariant VenueBoardModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (orientation == Qt::Vertical) {
        const api::BoardVenue *v = venueAt(section);
        return v ? v->name : QVariant();
    }
    const int minute = m_firstMinute + section * m_stepMinutes;
    return QStringLiteral("%1:%2")
        .arg(minute / 60, 2, 10, QLatin1Char('0'))
        .arg(minute % 60, 2, 10, QLatin1Char('0'));
}

} // namespace pomelo::console
