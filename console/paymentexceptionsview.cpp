#include "paymentexceptionsview.h"

#include "format.h"
#include "paymentexceptionmodel.h"
#include "reasondialog.h"
#include "tableview.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QTime>
#include <QToolButton>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

const QString OpenKey = QStringLiteral("open");

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString row(const QString &label, const QString &value)
{
    return QStringLiteral("<tr><td style='color:#666; padding-right:12px'>%1</td><td>%2</td></tr>")
        .arg(esc(label), esc(value));
}

/// Cents in the exception's currency: the channel may have taken another one than CNY.
QString money(qint64 cents, const QString &currency)
{
    if (currency.isEmpty() || currency == QLatin1String("CNY"))
        return yuan(cents);
    return QStringLiteral("%1 %2").arg(yuan(cents).mid(1), currency);
}

QStringList statesOf(const QString &key)
{
    if (key == OpenKey)
        return {QStringLiteral("REFUNDING"), QStringLiteral("REFUND_FAILED"),
                QStringLiteral("REFUNDED")};
    if (key.isEmpty())
        return {};
    return {key};
}

} // namespace

PaymentExceptionsView::PaymentExceptionsView(api::AdminClient *client, QWidget *parent)
    : PollingView(15000, parent)
    , m_client(client)
    , m_model(new PaymentExceptionModel(client, this))
    , m_filter(new PaymentExceptionStateFilter(m_model, this))
    , m_table(new TableView(m_filter, this))
    , m_state(new QComboBox(this))
    , m_more(new QPushButton(tr("Load &more"), this))
    , m_detail(new QTextBrowser(this))
    , m_resolve(new QAction(tr("Mark &resolved…"), this))
{
    // The pieces create their widgets in this order, which is also the tab order.
    fillStates();
    setUpTable();
    QLineEdit *quickFilter = createQuickFilter();
    QToolButton *resolveButton = createResolveButton();
    QSplitter *splitter = createDetailSplitter();
    layOut(quickFilter, resolveButton, splitter);

    connectModel();
    followLive();
    showDetail();
}

void PaymentExceptionsView::fillStates()
{
    m_state->addItem(tr("Open"), OpenKey);
    for (const char *state : {"REFUND_FAILED", "REFUNDING", "REFUNDED", "RESOLVED"})
        m_state->addItem(paymentExceptionStateText(QLatin1String(state)), QLatin1String(state));
    m_state->addItem(tr("All"), QString());
    m_filter->setStates(statesOf(OpenKey));
}

void PaymentExceptionsView::setUpTable()
{
    m_table->setStateKey(QStringLiteral("payment-exceptions"));
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->sortByColumn(PaymentExceptionModel::Id, Qt::DescendingOrder);
    const std::pair<int, int> widths[] = {
        {PaymentExceptionModel::Id, 150},    {PaymentExceptionModel::Created, 135},
        {PaymentExceptionModel::State, 75},  {PaymentExceptionModel::Reason, 130},
        {PaymentExceptionModel::Amount, 80}, {PaymentExceptionModel::Channel, 90},
        {PaymentExceptionModel::Order, 150}};
    for (const auto &[column, width] : widths)
        m_table->horizontalHeader()->resizeSection(column, width);
}

QLineEdit *PaymentExceptionsView::createQuickFilter()
{
    auto *quickFilter = new QLineEdit(this);
    quickFilter->setPlaceholderText(tr("Filter loaded rows"));
    m_table->setFilterEdit(quickFilter);
    return quickFilter;
}

/// "Mark resolved…" as a button, and as a shortcut and context-menu entry of the table.
QToolButton *PaymentExceptionsView::createResolveButton()
{
    m_resolve->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_resolve->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_resolve);
    m_table->addAction(m_resolve);
    auto *resolveButton = new QToolButton(this);
    resolveButton->setDefaultAction(m_resolve);
    resolveButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(m_resolve, &QAction::triggered, this, &PaymentExceptionsView::resolveSelected);
    return resolveButton;
}

QSplitter *PaymentExceptionsView::createDetailSplitter()
{
    m_detail->setOpenLinks(false);
    m_detail->setPlaceholderText(tr("Select a payment exception to see what happened."));
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({760, 340});
    return splitter;
}

void PaymentExceptionsView::layOut(QLineEdit *quickFilter, QToolButton *resolveButton,
                                   QSplitter *splitter)
{
    auto *hint = new QLabel(tr("Payments a channel took that no order keeps. Each is refunded "
                               "through its channel by itself; close the case once the refund "
                               "settled, or once you settled a refused one by hand."),
                            this);
    hint->setWordWrap(true);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("State:"), this));
    bar->addWidget(m_state);
    bar->addWidget(quickFilter, 1);
    bar->addWidget(resolveButton);
    bar->addWidget(m_more);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(hint);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
}

void PaymentExceptionsView::connectModel()
{
    connect(m_state, &QComboBox::activated, this,
            [this] { m_filter->setStates(statesOf(m_state->currentData().toString())); });
    connect(m_more, &QPushButton::clicked, m_model, &PaymentExceptionModel::loadMore);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &PaymentExceptionsView::showDetail);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &PaymentExceptionsView::showDetail);
    connect(m_model, &PaymentExceptionModel::refreshed, this, [this] {
        m_more->setEnabled(m_model->hasMore());
        if (!m_table->currentIndex().isValid() && m_table->proxy()->rowCount() > 0)
            m_table->setCurrentIndex(m_table->proxy()->index(0, 0));
        int open = 0;
        for (const api::PaymentExceptionItem &e : m_model->rows())
            open += e.state != QLatin1String("RESOLVED");
        m_status->setText(tr("%n open, %1 loaded; updated %2", nullptr, open)
                              .arg(m_model->rowCount())
                              .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_model, &PaymentExceptionModel::failed, this, &PaymentExceptionsView::showError);
}

void PaymentExceptionsView::followLive()
{
    // A new case, or a refund that settled (the open counts change): both come live.
    connect(m_client, &api::AdminClient::livePaymentException, this, [this] { refresh(); });
    connect(m_client, &api::AdminClient::liveStats, this, [this](const api::LiveStats &s) {
        if (s.paymentExceptions == m_lastCounts)
            return;
        const bool first = m_lastCounts.isEmpty();
        m_lastCounts = s.paymentExceptions;
        if (!first && isVisible())
            refresh();
    });
}

void PaymentExceptionsView::refresh()
{
    if (m_client->isLoggedIn() && m_client->session().isAdmin())
        m_model->refresh();
}

bool PaymentExceptionsView::setStateFilter(const QString &key)
{
    const int i = m_state->findData(key);
    if (i < 0)
        return false;
    m_state->setCurrentIndex(i);
    m_filter->setStates(statesOf(key));
    return true;
}

bool PaymentExceptionsView::selectException(const QString &id)
{
    const int row = m_model->rowOfKey(id);
    if (row < 0)
        return false;
    const QModelIndex i =
        m_table->proxy()->mapFromSource(m_filter->mapFromSource(m_model->index(row, 0)));
    if (!i.isValid())
        return false;
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    return true;
}

QString PaymentExceptionsView::detailText() const
{
    return m_detail->toPlainText();
}

const api::PaymentExceptionItem *PaymentExceptionsView::currentException() const
{
    const int row = m_filter->modelRow(m_table->currentSourceRow());
    return row >= 0 && row < m_model->rowCount() ? &m_model->rowAt(row) : nullptr;
}

void PaymentExceptionsView::showDetail()
{
    const api::PaymentExceptionItem *e = currentException();
    m_resolve->setEnabled(e && e->isResolvable() && m_client->session().isAdmin());
    if (!e) {
        m_detail->clear();
        return;
    }
    QString html = QStringLiteral("<h3>%1 <span style='color:%2'>%3</span></h3><table>")
                       .arg(esc(tr("Payment exception %1").arg(e->id)),
                            paymentExceptionStateColor(e->state).name(),
                            esc(paymentExceptionStateText(e->state)));
    html += row(tr("Reason"), paymentExceptionReasonText(e->reason));
    html += row(tr("What differed"), e->detail);
    html += row(tr("Paid"), money(e->paidAmount, e->currency));
    if (e->orderAmount)
        html += row(tr("Order amount"), yuan(*e->orderAmount));
    html += row(tr("Order"), e->orderId.isEmpty() ? tr("none of ours") : e->orderId);
    html += row(tr("Merchant order no."), e->outTradeNo);
    html += row(tr("Channel"), channelText(e->channel));
    html += row(tr("Channel trade no."), e->channelTradeNo);
    html += row(tr("Recorded"), api::displayTime(e->createdAt));
    html += row(tr("Refund attempts"), QString::number(e->refundAttempts));
    if (!e->nextRefundAt.isEmpty())
        html += row(tr("Next attempt"), api::displayTime(e->nextRefundAt));
    if (!e->channelRefundNo.isEmpty())
        html += row(tr("Channel refund no."), e->channelRefundNo);
    if (!e->refundedAt.isEmpty())
        html += row(tr("Refunded"), api::displayTime(e->refundedAt));
    if (!e->lastError.isEmpty())
        html += row(tr("Last error"), e->lastError);
    if (!e->resolvedAt.isEmpty()) {
        html += row(tr("Resolved"), api::displayTime(e->resolvedAt));
        html += row(tr("Resolved by"), e->resolvedBy);
        html += row(tr("Resolution"), e->resolution);
    }
    html += QStringLiteral("</table>");
    if (e->state == QLatin1String("REFUND_FAILED"))
        html += QStringLiteral("<p style='color:#c62828'>%1</p>")
                    .arg(esc(tr("The channel refused the refund: the payer has not got the money "
                                "back. Settle it by hand, then mark the case resolved.")));
    m_detail->setHtml(html);
}

void PaymentExceptionsView::resolveSelected()
{
    const api::PaymentExceptionItem *current = currentException();
    if (!current || !current->isResolvable())
        return;
    const api::PaymentExceptionItem e = *current;
    const QString amount = money(e.paidAmount, e.currency);
    const QString outcome = e.state == QLatin1String("REFUNDED")
        ? tr("The channel refunded %1 to the payer.").arg(amount)
        : tr("The channel refused to refund %1: only close the case once the payer got the "
             "money back some other way.")
              .arg(amount);
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Mark resolved"),
             tr("Close payment exception %1 (%2, %3 through %4).")
                     .arg(e.id, paymentExceptionReasonText(e.reason), amount,
                          channelText(e.channel))
                 + QLatin1Char('\n') + outcome,
             tr("Really mark payment exception %1 of %2 resolved?").arg(e.id, amount), true,
             std::nullopt},
            &reason))
        return;
    m_client->resolvePaymentException(
        e.id, reason, this,
        [this](const api::PaymentExceptionItem &after) {
            m_model->updateException(after);
            m_status->setText(tr("Payment exception %1 resolved.").arg(after.id));
            showDetail();
        },
        [this](const api::ApiError &error) { actionFailed(error); });
}

void PaymentExceptionsView::actionFailed(const api::ApiError &e)
{
    QString text = e.message;
    if (e.code)
        text += QLatin1Char('\n') + tr("Code %1").arg(e.code);
    if (!e.traceId.isEmpty())
        text += QLatin1Char('\n') + tr("Trace id: %1").arg(e.traceId);
    QMessageBox::warning(this, tr("Action failed"), text);
    refresh();
}

} // namespace pomelo::console
