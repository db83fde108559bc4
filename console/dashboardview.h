#pragma once

#include "api/adminclient.h"

#include <QHash>
#include <QWidget>

class QGridLayout;
class QLabel;
class QTimer;

namespace pomelo::console {

class RateChart;

/// Today at a glance: orders per status, paid amount, stream lag, delayed queue depth, failed
/// merchant notifications, and orders per minute. The numbers come from /dashboard (the
/// infrastructure part for admins only), the chart from the orders of the last hour (paged), both
/// refreshed every 15 s and kept current in between by the live feed.
class DashboardView : public QWidget
{
    Q_OBJECT

public:
    explicit DashboardView(api::AdminClient *client, QWidget *parent = nullptr);

    void refresh();
    qint64 paidTodayCents() const { return m_paidCents; }
    qint64 refundedTodayCents() const { return m_refundedCents; }
    /// The headline: paid − refunded today.
    qint64 netTodayCents() const { return m_paidCents - m_refundedCents; }
    int ordersToday(const QString &status) const { return m_counts.value(status); }

private:
    void loadChart(const QString &cursor, int pagesLeft);
    void applyEvent(const api::LiveOrderEvent &event);
    void showCounts();
    QLabel *addCard(QGridLayout *grid, int row, int column, const QString &title,
                    QLabel **subtitle = nullptr);

    api::AdminClient *m_client;
    QHash<QString, int> m_counts;
    qint64 m_paidCents = 0;
    qint64 m_refundedCents = 0;
    QList<QDateTime> m_chartTimes; ///< being loaded
    int m_chartLoad = 0; ///< which load m_chartTimes belongs to
    QString m_today; ///< the server's, from /dashboard

    QHash<QString, QLabel *> m_statusLabels;
    QLabel *m_paid;
    QLabel *m_paidNote;
    QLabel *m_lag;
    QLabel *m_lagNote;
    QLabel *m_queue;
    QLabel *m_queueNote;
    QLabel *m_failed;
    QLabel *m_failedNote;
    QLabel *m_updated;
    RateChart *m_chart;
    QTimer *m_timer;
    /// A live payment or refund reloads the money figures (a refund event carries the order's
    /// amount, not the refund's), once for a burst.
    QTimer *m_moneyReload;
};

} // namespace pomelo::console
