#pragma once

#include "api/adminclient.h"

#include <QAbstractTableModel>

namespace pomelo::console {

/// The venue board of one day: a row per venue, a column per time step (the greatest common
/// step of every venue's slot grid, so 30-, 60- and 90-minute venues share one grid). A slot
/// covers columnSpan() columns from its first one; cells outside opening hours are empty.
class VenueBoardModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    static constexpr int StateRole = Qt::UserRole + 10; ///< FREE, HELD, BOOKED, CHECKED_IN or ""
    static constexpr int BookingIdRole = Qt::UserRole + 11;

    explicit VenueBoardModel(api::AdminClient *client, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    /// Loads the board of @p date (YYYY-MM-DD).
    void load(const QString &date);
    void refresh() { load(m_date); }
    QString date() const { return m_date; }
    const api::VenueBoard &board() const { return m_board; }

    /// The slot shown in @p index (also for the covered columns of a long slot), or null.
    const api::BoardSlot *slotAt(const QModelIndex &index) const;
    const api::BoardVenue *venueAt(int row) const;
    /// How many columns the slot starting at (@p row, @p column) covers; 1 elsewhere.
    int columnSpan(int row, int column) const;
    /// The cell of booking @p bookingId, invalid when it is not on the board.
    QModelIndex indexOfBooking(const QString &bookingId) const;

signals:
    void refreshed();
    void failed(const pomelo::api::ApiError &error);

private:
    void setBoard(const api::VenueBoard &board);
    int columnOf(const QString &time) const;

    api::AdminClient *m_client;
    QString m_date;
    api::VenueBoard m_board;
    int m_firstMinute = 0;
    int m_stepMinutes = 30;
    int m_columns = 0;
    /// Per venue: column → index of the slot covering it, -1 when closed.
    QList<QList<int>> m_cells;
};

} // namespace pomelo::console
