#include "dashboardview.h"

#include "format.h"
#include "ratechart.h"

#include <QDate>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {
constexpr int MaxChartPages = 10; // 2,000 orders in the last hour is plenty for a campus
constexpr int PageSize = 200;

bool isPaidStatus(const QString &s)
{
    return s == QLatin1String("PAID") || s == QLatin1String("REFUNDING")
        || s == QLatin1String("REFUNDED");
}
} // namespace

DashboardView::DashboardView(api::AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_chart(new RateChart(this))
    , m_timer(new QTimer(this))
    , m_moneyReload(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *cards = new QGridLayout;
    cards->setSpacing(10);
    m_paid = addCard(cards, 0, 0, tr("Net today"), &m_paidNote);
    m_lag = addCard(cards, 0, 1, tr("Stream lag"), &m_lagNote);
    m_queue = addCard(cards, 0, 2, tr("Delayed queue"), &m_queueNote);
    m_failed = addCard(cards, 0, 3, tr("Failed notifications"), &m_failedNote);
    layout->addLayout(cards);

    auto *statusBox = new QGroupBox(tr("Orders today by status"), this);
    auto *statusGrid = new QGridLayout(statusBox);
    const QStringList statuses = orderStatuses();
    for (int i = 0; i < statuses.size(); ++i) {
        auto *name = new QLabel(orderStatusText(statuses.at(i)), statusBox);
        name->setAlignment(Qt::AlignCenter);
        auto *value = new QLabel(QStringLiteral("–"), statusBox);
        value->setAlignment(Qt::AlignCenter);
        QFont f = value->font();
        f.setPointSizeF(f.pointSizeF() * 1.6);
        f.setBold(true);
        value->setFont(f);
        value->setStyleSheet(
            QStringLiteral("color: %1").arg(orderStatusColor(statuses.at(i)).name()));
        statusGrid->addWidget(value, 0, i);
        statusGrid->addWidget(name, 1, i);
        m_statusLabels.insert(statuses.at(i), value);
    }
    layout->addWidget(statusBox);

    auto *chartBox = new QGroupBox(tr("Orders per minute (last hour)"), this);
    auto *chartLayout = new QVBoxLayout(chartBox);
    chartLayout->addWidget(m_chart);
    layout->addWidget(chartBox, 1);

    m_updated = new QLabel(this);
    m_updated->setStyleSheet(QStringLiteral("color: palette(mid)"));
    layout->addWidget(m_updated);

    m_moneyReload->setSingleShot(true);
    m_moneyReload->setInterval(1000);
    connect(m_moneyReload, &QTimer::timeout, this, &DashboardView::refresh);
    m_timer->setInterval(15000);
    connect(m_timer, &QTimer::timeout, this, &DashboardView::refresh);
    m_timer->start();
    connect(client, &api::AdminClient::liveOrderEvent, this, &DashboardView::applyEvent);
    connect(client, &api::AdminClient::liveStats, this, [this](const api::LiveStats &s) {
        m_queue->setText(QString::number(s.orderTimeoutScheduled + s.bookingExpiryScheduled));
        m_failed->setText(QString::number(s.notificationsFailed));
        m_failedNote->setText(tr("%n pending", nullptr, static_cast<int>(s.notificationsPending)));
    });
}

QLabel *DashboardView::addCard(QGridLayout *grid, int row, int column, const QString &title,
                               QLabel **subtitle)
{
    auto *frame = new QFrame(this);
    frame->setFrameShape(QFrame::StyledPanel);
    frame->setObjectName(QStringLiteral("card"));
    frame->setStyleSheet(QStringLiteral("QFrame#card { background: palette(base); border: 1px "
                                        "solid palette(mid); border-radius: 6px; }"));
    auto *v = new QVBoxLayout(frame);
    auto *t = new QLabel(title, frame);
    t->setStyleSheet(QStringLiteral("color: #555"));
    auto *value = new QLabel(QStringLiteral("–"), frame);
    QFont f = value->font();
    f.setPointSizeF(f.pointSizeF() * 2.0);
    f.setBold(true);
    value->setFont(f);
    v->addWidget(t);
    v->addWidget(value);
    if (subtitle) {
        *subtitle = new QLabel(frame);
        (*subtitle)->setStyleSheet(QStringLiteral("color: #777"));
        v->addWidget(*subtitle);
    }
    grid->addWidget(frame, row, column);
    return value;
}

void DashboardView::refresh()
{
    m_client->dashboard(this, [this](const api::DashboardSummary &d) {
        m_today = d.date;
        m_counts.clear();
        for (auto it = d.orders.cbegin(); it != d.orders.cend(); ++it)
            m_counts.insert(it.key(), static_cast<int>(it.value()));
        m_paidCents = d.paidAmount;
        m_refundedCents = d.refundedAmount;
        showCounts();
        m_updated->setText(
            tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        if (!d.hasInfrastructure) {
            for (QLabel *l : {m_lag, m_queue, m_failed})
                l->setText(QStringLiteral("–"));
            for (QLabel *l : {m_lagNote, m_queueNote, m_failedNote})
                l->setText(tr("admins only"));
        } else {
            m_lag->setText(d.streamLag < 0 ? tr("unknown") : QString::number(d.streamLag));
            m_lagNote->setText(
                tr("%1 pending, %2 dead letters").arg(d.streamPending).arg(d.deadLetterLength));
            m_queue->setText(QString::number(d.queuedScheduled));
            m_queueNote->setText(tr("%1 processing").arg(d.queuedProcessing));
            m_failed->setText(QString::number(d.notificationsFailed));
            m_failedNote->setText(
                tr("%n pending", nullptr, static_cast<int>(d.notificationsPending)));
        }
        m_chartTimes.clear();
        ++m_chartLoad; // a load still running is stale now
        loadChart({}, MaxChartPages);
    });
}

void DashboardView::loadChart(const QString &cursor, int pagesLeft)
{
    // The chart shows the last hour only (also across midnight): the newest orders, paged until
    // one is older.
    api::OrderQuery q;
    q.limit = PageSize;
    q.cursor = cursor;
    const int load = m_chartLoad;
    const QDateTime hourAgo = QDateTime::currentDateTime().addSecs(-3600);
    m_client->orders(q, this,
                     [this, pagesLeft, load, hourAgo](const api::Page<api::AdminOrder> &page) {
                         if (load != m_chartLoad)
                             return;
                         bool older = false;
                         for (const api::AdminOrder &o : page.items) {
                             const QDateTime created = api::parseTime(o.createdAt);
                             older = older || created < hourAgo;
                             m_chartTimes.append(created);
                         }
                         if (!older && !page.nextCursor.isEmpty() && pagesLeft > 1) {
                             loadChart(page.nextCursor, pagesLeft - 1);
                             return;
                         }
                         m_chart->setTimes(m_chartTimes);
                     });
}

void DashboardView::applyEvent(const api::LiveOrderEvent &e)
{
    if (m_today.isEmpty())
        return; // not loaded yet
    if (!e.prevStatus.isEmpty())
        m_counts[e.prevStatus] = std::max(0, m_counts.value(e.prevStatus) - 1);
    else
        m_chart->add(api::parseTime(e.at));
    ++m_counts[e.status];
    if (isPaidStatus(e.status) && !isPaidStatus(e.prevStatus))
        m_paidCents += e.amount; // at once; the reload below confirms it
    if (isPaidStatus(e.status))
        m_moneyReload->start();
    showCounts();
}

void DashboardView::showCounts()
{
    int total = 0;
    for (auto it = m_statusLabels.cbegin(); it != m_statusLabels.cend(); ++it) {
        const int n = m_counts.value(it.key());
        total += n;
        it.value()->setText(QString::number(n));
    }
    m_paid->setText(yuan(m_paidCents - m_refundedCents));
    m_paidNote->setText(tr("paid %1 · refunded %2 · %n orders", nullptr, total)
                            .arg(yuan(m_paidCents), yuan(m_refundedCents)));
}

} // namespace pomelo::console
