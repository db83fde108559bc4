#pragma once

#include "api/adminclient.h"

#include <QWidget>

class QDateEdit;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSplitter;
class QTableView;
class QTextBrowser;
class QTimer;

namespace pomelo::console {

class VenueBoardModel;

/// The day grid of every venue for staff: colour-coded slots (free, held, booked, checked in);
/// clicking a booking shows it, and a paid booking of today can be checked in.
class VenueBoardView : public QWidget
{
    Q_OBJECT

public:
    explicit VenueBoardView(api::AdminClient *client, QWidget *parent = nullptr);

    VenueBoardModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    void refresh();
    /// Selects the cell of @p bookingId, if it is on the board.
    bool selectBooking(const QString &bookingId);

private:
    QHBoxLayout *createDayBar();
    void setUpTable();
    QSplitter *createDetailSplitter();
    void connectModel();
    void startRefreshing();
    void applySpans();
    void showSlot();
    void checkIn();

    api::AdminClient *m_client;
    VenueBoardModel *m_model;
    QTableView *m_table;
    QDateEdit *m_date;
    QTextBrowser *m_detail;
    QPushButton *m_checkIn;
    QLabel *m_info;
    QTimer *m_timer;
    QString m_selectedBooking;
};

} // namespace pomelo::console
