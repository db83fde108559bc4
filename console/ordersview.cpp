#include "ordersview.h"

#include "format.h"
#include "ordersmodel.h"
#include "reasondialog.h"
#include "tableview.h"
#include "tracelabel.h"

#include <QAction>
#include <QComboBox>
#include <QDate>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString row(const QString &label, const QString &value)
{
    return QStringLiteral("<tr><td style='color:#666; padding-right:12px'>%1</td><td>%2</td></tr>")
        .arg(esc(label), value);
}

/// The span id; with its trace id when that is another trace than the order's first (an event
/// written by a worker that started its own trace).
QString spanText(const api::OrderEvent &e, const QString &orderTraceId)
{
    if (e.spanId.isEmpty())
        return e.traceId.left(12);
    if (e.traceId.isEmpty() || e.traceId == orderTraceId)
        return e.spanId;
    return QStringLiteral("%1 / %2").arg(e.traceId, e.spanId);
}

} // namespace

OrdersView::OrdersView(api::AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new OrdersModel(client, this))
    , m_table(new TableView(m_model, this))
    , m_status(new QComboBox(this))
    , m_app(new QComboBox(this))
    , m_channel(new QComboBox(this))
    , m_period(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_quickFilter(new QLineEdit(this))
    , m_loadMore(new QPushButton(tr("Load &more"), this))
    , m_info(new QLabel(this))
    , m_detail(new QTextBrowser(this))
    , m_traceLabel(new TraceLabel(this))
    , m_pollTimer(new QTimer(this))
{
    // The pieces create their widgets in this order, which is also the tab order.
    fillFilters();
    setUpTable();
    QHBoxLayout *filters = createFilterBar();
    QHBoxLayout *actionBar = createActionBar();
    QSplitter *splitter = createDetailSplitter();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addLayout(actionBar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_info);

    connectModel();
    startPolling();
    updateActions();
}

void OrdersView::fillFilters()
{
    m_status->addItem(tr("All statuses"), QString());
    const QStringList statuses = orderStatuses();
    for (const QString &s : statuses)
        m_status->addItem(orderStatusText(s), s);
    m_app->setEditable(true);
    m_app->addItem(QString());
    m_app->addItem(QStringLiteral("venue-booking"));
    m_app->addItem(QStringLiteral("utility-topup"));
    m_app->lineEdit()->setPlaceholderText(tr("All apps"));
    m_channel->addItem(tr("All channels"), QString());
    m_channel->addItem(channelText(QStringLiteral("WECHAT_JSAPI")), QStringLiteral("WECHAT_JSAPI"));
    m_channel->addItem(channelText(QStringLiteral("ECARD")), QStringLiteral("ECARD"));
    m_period->addItem(tr("Today"), 0);
    m_period->addItem(tr("Last 7 days"), 6);
    m_period->addItem(tr("Last 30 days"), 29);
    m_period->addItem(tr("Any time"), -1);
    m_period->setCurrentIndex(1);
    m_search->setPlaceholderText(tr("Search order id, merchant order no., subject…"));
    m_search->setClearButtonEnabled(true);
    m_quickFilter->setPlaceholderText(tr("Filter loaded rows (Ctrl+F)"));
}

void OrdersView::setUpTable()
{
    m_table->setFilterEdit(m_quickFilter);
    m_table->setStateKey(QStringLiteral("orders"));
    m_table->sortByColumn(OrdersModel::Created, Qt::DescendingOrder);
    const std::pair<int, int> widths[] = {
        {OrdersModel::Id, 160},    {OrdersModel::Created, 140},   {OrdersModel::Subject, 130},
        {OrdersModel::Amount, 80}, {OrdersModel::Status, 70},     {OrdersModel::Channel, 90},
        {OrdersModel::App, 100},   {OrdersModel::OutTradeNo, 160}};
    for (const auto &[column, width] : widths)
        m_table->horizontalHeader()->resizeSection(column, width);
}

/// The server-side filters: a new query when one is chosen or the search is submitted.
QHBoxLayout *OrdersView::createFilterBar()
{
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_status);
    filters->addWidget(m_app);
    filters->addWidget(m_channel);
    filters->addWidget(m_period);
    filters->addWidget(m_search, 1);
    auto *apply = new QPushButton(tr("&Search"), this);
    apply->setDefault(true);
    filters->addWidget(apply);

    connect(apply, &QPushButton::clicked, this, &OrdersView::applyFilters);
    connect(m_search, &QLineEdit::returnPressed, this, &OrdersView::applyFilters);
    for (QComboBox *c : {m_status, m_channel, m_period})
        connect(c, &QComboBox::activated, this, &OrdersView::applyFilters);
    connect(m_app, &QComboBox::activated, this, &OrdersView::applyFilters);
    return filters;
}

/// The interventions, as buttons and as shortcuts and context-menu entries of the table; then the
/// quick filter and "Load more".
QHBoxLayout *OrdersView::createActionBar()
{
    m_closeAction = new QAction(tr("C&lose order…"), this);
    m_refundAction = new QAction(tr("&Refund…"), this);
    m_verifyAction = new QAction(tr("&Verify with channel…"), this);
    m_renotifyAction = new QAction(tr("Re-&notify merchant…"), this);
    m_closeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    m_refundAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_verifyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    m_renotifyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    auto *actionBar = new QHBoxLayout;
    for (QAction *a : {m_closeAction, m_refundAction, m_verifyAction, m_renotifyAction}) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
        m_table->addAction(a);
        auto *b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        actionBar->addWidget(b);
    }
    actionBar->addSpacing(12);
    actionBar->addWidget(m_quickFilter, 1);
    actionBar->addWidget(m_loadMore);
    connect(m_closeAction, &QAction::triggered, this, &OrdersView::closeOrder);
    connect(m_refundAction, &QAction::triggered, this, &OrdersView::refundOrder);
    connect(m_verifyAction, &QAction::triggered, this, &OrdersView::verifyOrder);
    connect(m_renotifyAction, &QAction::triggered, this, &OrdersView::renotifyOrder);
    return actionBar;
}

QSplitter *OrdersView::createDetailSplitter()
{
    m_detail->setOpenLinks(false);
    m_detail->setPlaceholderText(tr("Select an order to see its timeline."));
    // The trace id above the detail: a widget of its own, for its link and its copy button.
    auto *detailPane = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_traceLabel);
    detailLayout->addWidget(m_detail, 1);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(detailPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({760, 340});
    return splitter;
}

void OrdersView::connectModel()
{
    connect(m_loadMore, &QPushButton::clicked, m_model, &OrdersModel::loadMore);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &OrdersView::showDetail);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &tl) {
        const api::AdminOrder *o = currentOrder();
        if (o && m_model->rowAt(tl.row()).orderId == o->orderId) {
            updateActions();
            showDetail();
        }
    });
    connect(m_model, &OrdersModel::refreshed, this, [this] {
        // Something to look at from the start: the newest order's timeline.
        if (!m_table->currentIndex().isValid() && m_table->proxy()->rowCount() > 0)
            m_table->setCurrentIndex(m_table->proxy()->index(0, 0));
        m_loadMore->setEnabled(m_model->hasMore());
        m_info->setText(tr("%n orders loaded", nullptr, m_model->rowCount())
                        + (m_model->hasMore() ? tr(" (more on the server)") : QString()));
    });
    connect(m_model, &OrdersModel::failed, this, [this](const api::ApiError &e) {
        m_info->setText(tr("Could not load orders: %1").arg(e.message));
    });
}

void OrdersView::startPolling()
{
    // The live feed (both roles) may be reconnecting: poll meanwhile.
    m_pollTimer->setInterval(10000);
    connect(m_pollTimer, &QTimer::timeout, this, [this] {
        if (!m_client->isLiveConnected() && isVisible())
            m_model->refresh();
    });
    m_pollTimer->start();
    connect(m_client, &api::AdminClient::liveConnectedChanged, this, [this](bool connected) {
        if (connected)
            m_model->refresh(); // what happened while the feed was down
    });
}

api::OrderQuery OrdersView::queryFromFilters() const
{
    api::OrderQuery q;
    q.status = m_status->currentData().toString();
    q.appId = m_app->currentText().trimmed();
    q.channel = m_channel->currentData().toString();
    q.q = m_search->text().trimmed();
    const int days = m_period->currentData().toInt();
    if (days >= 0)
        q.from = QDate::currentDate().addDays(-days).toString(Qt::ISODate);
    return q;
}

void OrdersView::applyFilters()
{
    m_model->setQuery(queryFromFilters());
}

void OrdersView::refresh()
{
    if (m_model->rowCount() == 0 && m_model->query().from.isEmpty() && m_model->query().q.isEmpty())
        m_model->setQuery(queryFromFilters());
    else
        m_model->refresh();
}

void OrdersView::focusFilter()
{
    m_quickFilter->setFocus();
    m_quickFilter->selectAll();
}

bool OrdersView::selectOrder(const QString &orderId)
{
    const int row = m_model->rowOfKey(orderId);
    if (row < 0)
        return false;
    const QModelIndex i = m_table->proxy()->mapFromSource(m_model->index(row, 0));
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    return true;
}

const api::AdminOrder *OrdersView::currentOrder() const
{
    const int row = m_table->currentSourceRow();
    return row >= 0 && row < m_model->rowCount() ? &m_model->rowAt(row) : nullptr;
}

void OrdersView::updateActions()
{
    const api::AdminOrder *o = currentOrder();
    const bool admin = m_client->session().isAdmin();
    const QString s = o ? o->status : QString();
    m_closeAction->setEnabled(admin && o
                              && (s == QLatin1String("INIT") || s == QLatin1String("PAYING")));
    m_refundAction->setEnabled(admin && o && s == QLatin1String("PAID")
                               && o->amount > o->refundedAmount);
    m_verifyAction->setEnabled(admin && o
                               && (s == QLatin1String("PAYING") || s == QLatin1String("INIT")
                                   || s == QLatin1String("CLOSED")
                                   || s == QLatin1String("FAILED")));
    m_renotifyAction->setEnabled(admin && o && s != QLatin1String("INIT")
                                 && s != QLatin1String("PAYING"));
}

void OrdersView::showDetail()
{
    updateActions();
    const api::AdminOrder *o = currentOrder();
    if (!o) {
        m_detail->clear();
        m_traceLabel->setTrace({}, {});
        m_detailOrderId.clear();
        return;
    }
    const QString id = o->orderId;
    m_detailOrderId = id;
    m_client->orderDetail(
        id, this,
        [this, id](const api::OrderDetail &d) {
            if (id == m_detailOrderId)
                renderDetail(d);
        },
        [this, id](const api::ApiError &e) {
            if (id != m_detailOrderId)
                return;
            m_traceLabel->setTrace({}, {});
            m_detail->setHtml(QStringLiteral("<p style='color:#c62828'>%1</p>")
                                  .arg(esc(tr("Could not load the order: %1").arg(e.message))));
        });
}

void OrdersView::renderDetail(const api::OrderDetail &d)
{
    m_traceLabel->setTrace(d.traceId, m_client->session().traceUrlTemplate);
    m_detail->setHtml(summaryHtml(d) + timelineHtml(d.events, d.traceId) + historyHtml(d));
}

/// The heading and the order's fields (and its booking, if any).
QString OrdersView::summaryHtml(const api::OrderDetail &d)
{
    const api::AdminOrder &o = d.order;
    QString html;
    html += QStringLiteral("<h3>%1 <span style='color:%2'>%3</span></h3>")
                .arg(esc(tr("Order %1").arg(o.orderId)), orderStatusColor(o.status).name(),
                     esc(orderStatusText(o.status)));
    html += QStringLiteral("<table>");
    html += row(tr("Subject"), esc(o.subject));
    html += row(tr("Amount"),
                esc(yuan(o.amount))
                    + (o.refundedAmount ? esc(tr(" (refunded %1)").arg(yuan(o.refundedAmount)))
                                        : QString()));
    html += row(tr("App"), esc(o.appId));
    html += row(tr("Merchant order no."), esc(o.outTradeNo));
    html += row(tr("Channel"), esc(channelText(o.channel)));
    if (!o.channelTradeNo.isEmpty())
        html += row(tr("Channel trade no."), esc(o.channelTradeNo));
    html += row(
        tr("User"),
        esc(o.openId + (o.studentId.isEmpty() ? QString() : QStringLiteral(" / ") + o.studentId)));
    html += row(tr("Created"), esc(api::displayTime(o.createdAt)));
    if (!o.paidAt.isEmpty())
        html += row(tr("Paid"), esc(api::displayTime(o.paidAt)));
    html += row(tr("Expires"), esc(api::displayTime(o.expiresAt)));
    if (d.booking)
        html += row(tr("Booking"),
                    esc(QStringLiteral("%1  %2 %3–%4  %5")
                            .arg(d.booking->id, d.booking->date, d.booking->startTime,
                                 d.booking->endTime, bookingStatusText(d.booking->status))));
    html += QStringLiteral("</table>");
    return html;
}

/// One row per event, with the span that wrote it (the trace viewer finds it by that id; the
/// trace id is the detail's own unless the event says otherwise).
QString OrdersView::timelineHtml(const QList<api::OrderEvent> &events, const QString &traceId)
{
    QString html = QStringLiteral("<h4>%1</h4><table cellspacing='0' cellpadding='3'>"
                                  "<tr><th></th><th></th><th style='color:#999'>%2</th></tr>")
                       .arg(esc(tr("Timeline")), esc(tr("Span id")));
    for (const api::OrderEvent &e : events) {
        const QString change = e.prevStatus.isEmpty()
            ? orderStatusText(e.status)
            : QStringLiteral("%1 → %2").arg(orderStatusText(e.prevStatus),
                                            orderStatusText(e.status));
        html +=
            QStringLiteral("<tr><td style='color:#666'>%1</td><td><b style='color:%2'>%3</b></td>"
                           "<td style='color:#999'><code>%4</code></td></tr>")
                .arg(esc(api::displayTime(e.at)), orderStatusColor(e.status).name(), esc(change),
                     esc(spanText(e, traceId)));
    }
    html += QStringLiteral("</table>");
    return html;
}

/// What happened around the order: refunds, merchant notifications, channel callbacks; each list
/// only when it has entries.
QString OrdersView::historyHtml(const api::OrderDetail &d)
{
    QString html;
    if (!d.refunds.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><ul>").arg(esc(tr("Refunds")));
        for (const api::Refund &f : d.refunds)
            html += QStringLiteral("<li>%1</li>")
                        .arg(esc(tr("%1 %2 by %3 — %4 (%5)")
                                     .arg(api::displayTime(f.createdAt), yuan(f.amount),
                                          f.initiator, f.status, f.reason)));
        html += QStringLiteral("</ul>");
    }
    if (!d.notifications.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><ul>").arg(esc(tr("Merchant notifications")));
        for (const api::Notification &n : d.notifications) {
            html += QStringLiteral("<li>%1</li>")
                        .arg(esc(tr("#%1 %2: %3, %n attempt(s)", nullptr, n.attempts)
                                     .arg(n.id, orderStatusText(n.orderStatus),
                                          notificationStateText(n.state))));
            if (!n.lastError.isEmpty())
                html += QStringLiteral("<div style='color:#c62828; margin-left:16px'>%1</div>")
                            .arg(esc(n.lastError));
        }
        html += QStringLiteral("</ul>");
    }
    if (!d.callbacks.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><ul>").arg(esc(tr("Channel callbacks")));
        for (const api::ChannelCallback &c : d.callbacks)
            html += QStringLiteral("<li>%1</li>")
                        .arg(esc(QStringLiteral("%1 %2 %3 — %4")
                                     .arg(api::displayTime(c.receivedAt), channelText(c.channel),
                                          c.eventType, c.outcome)));
        html += QStringLiteral("</ul>");
    }
    return html;
}

void OrdersView::actionDone(const api::AdminOrder &order, const QString &message)
{
    if (!order.orderId.isEmpty())
        m_model->updateOrder(order);
    m_info->setText(message);
    showDetail();
}

void OrdersView::actionFailed(const api::ApiError &e)
{
    QString text = e.message;
    if (e.code)
        text += QLatin1Char('\n') + tr("Code %1").arg(e.code);
    if (!e.traceId.isEmpty())
        text += QLatin1Char('\n') + tr("Trace id: %1").arg(e.traceId);
    QMessageBox::warning(this, tr("Action failed"), text);
    showDetail();
}

void OrdersView::closeOrder()
{
    const api::AdminOrder *o = currentOrder();
    if (!o)
        return;
    const api::AdminOrder order = *o;
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Close order"),
             tr("Close order %1 (%2, %3)? The user can no longer pay it.")
                 .arg(order.orderId, yuan(order.amount), order.subject),
             tr("Really close order %1 of %2?").arg(order.orderId, yuan(order.amount)), true,
             std::nullopt},
            &reason))
        return;
    m_client->closeOrder(
        order.orderId, reason, this,
        [this](const api::AdminOrder &after) {
            actionDone(after, tr("Order %1 closed.").arg(after.orderId));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void OrdersView::refundOrder()
{
    const api::AdminOrder *o = currentOrder();
    if (!o)
        return;
    const api::AdminOrder order = *o;
    QString reason;
    qint64 cents = 0;
    if (!ReasonDialog::ask(
            this,
            {tr("Refund"),
             tr("Refund order %1 (%2 paid, %3 refunded so far).")
                 .arg(order.orderId, yuan(order.amount), yuan(order.refundedAmount)),
             tr("Really refund order %1 of %2?").arg(order.orderId, yuan(order.amount)), true,
             order.amount - order.refundedAmount},
            &reason, &cents))
        return;
    m_client->refundOrder(
        order.orderId, cents, reason, this,
        [this, cents](const api::AdminOrder &after) {
            actionDone(after,
                       tr("Refund of %1 for order %2 requested.").arg(yuan(cents), after.orderId));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void OrdersView::verifyOrder()
{
    const api::AdminOrder *o = currentOrder();
    if (!o)
        return;
    const api::AdminOrder order = *o;
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Verify with channel"),
             tr("Ask the payment channel about order %1 (%2) and apply its answer: "
                "a paid order becomes PAID.")
                 .arg(order.orderId, yuan(order.amount)),
             tr("Verify order %1 of %2 with the channel?").arg(order.orderId, yuan(order.amount)),
             true, std::nullopt},
            &reason))
        return;
    m_client->verifyOrder(
        order.orderId, reason, this,
        [this](const api::AdminOrder &after) {
            actionDone(
                after,
                tr("Order %1 verified: %2.").arg(after.orderId, orderStatusText(after.status)));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void OrdersView::renotifyOrder()
{
    const api::AdminOrder *o = currentOrder();
    if (!o)
        return;
    const api::AdminOrder order = *o;
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Re-notify merchant"),
             tr("Send the result of order %1 (%2) to merchant %3 again.")
                 .arg(order.orderId, yuan(order.amount), order.appId),
             tr("Re-notify the merchant of order %1 of %2?").arg(order.orderId, yuan(order.amount)),
             true, std::nullopt},
            &reason))
        return;
    const QString id = order.orderId;
    m_client->renotifyOrder(
        id, reason, this,
        [this, id](int count) {
            actionDone({},
                       tr("%n notification(s) of order %1 queued again.", nullptr, count).arg(id));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

} // namespace pomelo::console
