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
constexpr int MaxPages = 25; // 5,000 orders a day is plenty for a campus
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
{
    auto *layout = new QVBoxLayout(this);
    auto *cards = new QGridLayout;
    cards->setSpacing(10);
    m_paid = addCard(cards, 0, 0, tr("Paid today"), &m_paidNote);
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
    m_today = QDate::currentDate().toString(Qt::ISODate);
    m_loadingCounts.clear();
    m_loadingPaid = 0;
    m_loadingTimes.clear();
    m_truncated = false;
    loadOrders({}, MaxPages);

    if (!m_client->session().isAdmin()) {
        for (QLabel *l : {m_lag, m_queue, m_failed})
            l->setText(QStringLiteral("–"));
        for (QLabel *l : {m_lagNote, m_queueNote, m_failedNote})
            l->setText(tr("admins only"));
        return;
    }
    m_client->streams(this, [this](const api::StreamInfo &s) {
        const qint64 lag = s.maxLag();
        m_lag->setText(lag < 0 ? tr("unknown") : QString::number(lag));
        qint64 pending = 0;
        for (const api::ConsumerGroup &g : s.groups)
            pending += g.pending;
        m_lagNote->setText(tr("%1 pending, %2 dead letters").arg(pending).arg(s.deadLetterLength));
    });
    m_client->queues(this, [this](const QList<api::DelayedQueueInfo> &queues) {
        qint64 scheduled = 0;
        qint64 processing = 0;
        for (const api::DelayedQueueInfo &q : queues) {
            scheduled += q.scheduled;
            processing += q.processing;
        }
        m_queue->setText(QString::number(scheduled));
        m_queueNote->setText(tr("%1 processing").arg(processing));
    });
    m_client->notifications(
        QStringLiteral("FAILED"), {}, {}, this,
        [this](const api::AdminClient::NotificationPage &page) {
            m_failed->setText(QString::number(page.counts.value(QStringLiteral("FAILED"))));
            m_failedNote->setText(
                tr("%n pending", nullptr,
                   static_cast<int>(page.counts.value(QStringLiteral("PENDING")))));
        });
}

void DashboardView::loadOrders(const QString &cursor, int pagesLeft)
{
    api::OrderQuery q;
    q.from = m_today;
    q.to = m_today;
    q.limit = PageSize;
    q.cursor = cursor;
    const QString today = m_today;
    m_client->orders(q, this, [this, pagesLeft, today](const api::Page<api::AdminOrder> &page) {
        if (today != m_today)
            return;
        for (const api::AdminOrder &o : page.items) {
            ++m_loadingCounts[o.status];
            if (isPaidStatus(o.status))
                m_loadingPaid += o.amount;
            m_loadingTimes.append(api::parseTime(o.createdAt));
        }
        if (!page.nextCursor.isEmpty() && pagesLeft > 1) {
            loadOrders(page.nextCursor, pagesLeft - 1);
            return;
        }
        m_truncated = !page.nextCursor.isEmpty();
        m_counts = m_loadingCounts;
        m_paidCents = m_loadingPaid;
        m_chart->setTimes(m_loadingTimes);
        showCounts();
        m_updated->setText(
            tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
}

void DashboardView::applyEvent(const api::LiveOrderEvent &e)
{
    if (m_counts.isEmpty() && m_paidCents == 0 && m_today.isEmpty())
        return; // not loaded yet
    if (!e.prevStatus.isEmpty())
        m_counts[e.prevStatus] = std::max(0, m_counts.value(e.prevStatus) - 1);
    else
        m_chart->add(api::parseTime(e.at));
    ++m_counts[e.status];
    if (isPaidStatus(e.status) && !isPaidStatus(e.prevStatus))
        m_paidCents += e.amount;
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
    m_paid->setText(yuan(m_paidCents));
    m_paidNote->setText(m_truncated ? tr("%n orders today (first 5,000 counted)", nullptr, total)
                                    : tr("%n orders today", nullptr, total));
}

} // namespace pomelo::console
