#include "topupsview.h"

#include "format.h"
#include "reasondialog.h"
#include "tableview.h"
#include "topupsmodel.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

/// How long after an action the list is asked again: the server delivers or refunds in the
/// background, and the operator wants to see how that went without waiting for the next poll.
constexpr int FollowUpMs = 3000;

const QString RoomScheme = QStringLiteral("room");
const QString TopupScheme = QStringLiteral("topup");

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

/// A label and a value that is HTML already.
QString row(const QString &label, const QString &html)
{
    return QStringLiteral("<tr><td style='color:#666; padding-right:12px'>%1</td><td>%2</td></tr>")
        .arg(esc(label), html);
}

QString link(const QString &scheme, const QString &target, const QString &text)
{
    return QStringLiteral("<a href='%1:%2'>%3</a>")
        .arg(scheme, QString::fromLatin1(QUrl::toPercentEncoding(target)), esc(text));
}

QString statusHtml(const QString &status)
{
    return QStringLiteral("<span style='color:%1'>%2</span>")
        .arg(topupStatusColor(status).name(), esc(topupStatusText(status)));
}

QString studentText(const api::TopupStudent &s)
{
    QStringList parts;
    for (const QString &p : {s.name, s.studentId, s.phone}) {
        if (!p.isEmpty())
            parts.append(p);
    }
    return parts.isEmpty() ? s.openId : parts.join(QStringLiteral(" · "));
}

} // namespace

TopupsView::TopupsView(api::AdminClient *client, QWidget *parent)
    : PollingView(15000, parent)
    , m_client(client)
    , m_model(new TopupsModel(client, this))
    , m_table(new TableView(m_model, this))
    , m_state(new QComboBox(this))
    , m_more(new QPushButton(tr("Load &more"), this))
    , m_redeliver(new QAction(tr("Re-&deliver…"), this))
    , m_refund(new QAction(tr("Re&fund…"), this))
    , m_roomEdit(new QLineEdit(this))
    , m_roomButton(new QPushButton(tr("Look &up room"), this))
    , m_tabs(new QTabWidget(this))
    , m_detail(new QTextBrowser(this))
    , m_room(new QTextBrowser(this))
{
    // The pieces create their widgets in this order, which is also the tab order.
    fillStatuses();
    setUpTable();
    auto *quickFilter = new QLineEdit(this);
    quickFilter->setPlaceholderText(tr("Filter loaded rows"));
    quickFilter->setClearButtonEnabled(true);
    m_table->setFilterEdit(quickFilter);
    QToolButton *redeliverButton =
        createActionButton(m_redeliver, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    m_refundButton = createActionButton(m_refund, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    QSplitter *splitter = createDetailSplitter();
    layOut(quickFilter, redeliverButton, splitter);

    connectModel();
    updateActions();
}

void TopupsView::fillStatuses()
{
    m_state->addItem(tr("All statuses"), QString());
    const QStringList statuses = topupStatuses();
    for (const QString &s : statuses)
        m_state->addItem(topupStatusText(s), s);
}

void TopupsView::setUpTable()
{
    m_table->setStateKey(QStringLiteral("topups"));
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->sortByColumn(TopupsModel::Created, Qt::DescendingOrder);
    const std::pair<int, int> widths[] = {
        {TopupsModel::Created, 140}, {TopupsModel::Room, 110},   {TopupsModel::Utility, 80},
        {TopupsModel::Amount, 80},   {TopupsModel::Status, 110}, {TopupsModel::Attempts, 100}};
    for (const auto &[column, width] : widths)
        m_table->horizontalHeader()->resizeSection(column, width);
}

/// An intervention as a button, and as a shortcut and context-menu entry of the table.
QToolButton *TopupsView::createActionButton(QAction *action, const QKeySequence &shortcut)
{
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(action);
    m_table->addAction(action);
    auto *button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return button;
}

/// The table, and beside it the selected top-up's detail and the room lookup's result.
QSplitter *TopupsView::createDetailSplitter()
{
    for (QTextBrowser *b : {m_detail, m_room}) {
        b->setOpenLinks(false);
        connect(b, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
            const QString target = QUrl::fromPercentEncoding(url.path().toLatin1());
            if (url.scheme() == RoomScheme) {
                lookUpRoom(target);
            } else if (url.scheme() == TopupScheme && !selectTopup(target)) {
                m_status->setText(
                    tr("Top-up %1 is not among the loaded rows: choose \"All statuses\" or load "
                       "more.")
                        .arg(target));
            }
        });
    }
    m_detail->setPlaceholderText(tr("Select a top-up to see its delivery and history."));
    m_room->setPlaceholderText(
        tr("Enter a room id such as ZY1-101 above to see its balances, its students and its "
           "top-ups."));
    m_tabs->addTab(m_detail, tr("Top-up"));
    m_tabs->addTab(m_room, tr("Room"));
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({720, 400});
    return splitter;
}

void TopupsView::layOut(QLineEdit *quickFilter, QToolButton *redeliverButton, QSplitter *splitter)
{
    auto *hint = new QLabel(tr("Electricity and water top-ups of the dorms. A paid top-up is "
                               "delivered to the utility system by itself and retried while it "
                               "is busy; re-deliver one that failed or waits, or (admins) "
                               "refund it."),
                            this);
    hint->setWordWrap(true);
    m_roomEdit->setPlaceholderText(tr("Room id, e.g. ZY1-101"));
    m_roomEdit->setClearButtonEnabled(true);
    m_roomEdit->setMaximumWidth(180);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Status:"), this));
    bar->addWidget(m_state);
    bar->addWidget(quickFilter, 1);
    bar->addWidget(redeliverButton);
    bar->addWidget(m_refundButton);
    bar->addWidget(m_more);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Room:"), this));
    bar->addWidget(m_roomEdit);
    bar->addWidget(m_roomButton);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(hint);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
}

void TopupsView::connectModel()
{
    connect(m_state, &QComboBox::activated, this, [this] {
        api::TopupQuery q = m_model->query();
        q.status = m_state->currentData().toString();
        m_model->setQuery(q);
    });
    connect(m_more, &QPushButton::clicked, m_model, &TopupsModel::loadMore);
    connect(m_redeliver, &QAction::triggered, this, &TopupsView::redeliverSelected);
    connect(m_refund, &QAction::triggered, this, &TopupsView::refundSelected);
    connect(m_roomButton, &QPushButton::clicked, this, [this] { lookUpRoom(m_roomEdit->text()); });
    connect(m_roomEdit, &QLineEdit::returnPressed, this,
            [this] { lookUpRoom(m_roomEdit->text()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TopupsView::showDetail);
    // A poll merges rows: the detail follows only when the selected top-up changed.
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        const api::Topup *t = currentTopup();
        if (t && t->id == m_detailId && !(*t == m_shownRow))
            showDetail();
        else
            updateActions();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &TopupsView::showDetail);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &TopupsView::showDetail);
    connect(m_model, &TopupsModel::refreshed, this, [this] {
        m_more->setEnabled(m_model->hasMore());
        // Something to look at from the start: the newest top-up.
        if (!m_table->currentIndex().isValid() && m_table->proxy()->rowCount() > 0)
            m_table->setCurrentIndex(m_table->proxy()->index(0, 0));
        int failed = 0;
        for (const api::Topup &t : m_model->rows())
            failed += t.status == QLatin1String("DELIVERY_FAILED");
        m_status->setText(tr("%n loaded, %1 failed; updated %2", nullptr, m_model->rowCount())
                              .arg(failed)
                              .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_model, &TopupsModel::failed, this, &TopupsView::showError);
    // The role decides what may be done (refunds: admins).
    connect(m_client, &api::AdminClient::loggedIn, this, &TopupsView::updateActions);
    connect(m_client, &api::AdminClient::loggedOut, this, &TopupsView::updateActions);
}

void TopupsView::refresh()
{
    if (m_client->isLoggedIn())
        m_model->refresh();
}

bool TopupsView::setStatusFilter(const QString &status)
{
    const int i = m_state->findData(status);
    if (i < 0)
        return false;
    m_state->setCurrentIndex(i);
    api::TopupQuery q = m_model->query();
    q.status = status;
    m_model->setQuery(q);
    return true;
}

bool TopupsView::selectTopup(const QString &id)
{
    const int row = m_model->rowOfKey(id);
    if (row < 0)
        return false;
    const QModelIndex i = m_table->proxy()->mapFromSource(m_model->index(row, 0));
    if (!i.isValid())
        return false;
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    m_tabs->setCurrentWidget(m_detail);
    return true;
}

QString TopupsView::detailText() const
{
    return m_detail->toPlainText();
}

QString TopupsView::roomText() const
{
    return m_room->toPlainText();
}

const api::Topup *TopupsView::currentTopup() const
{
    const int row = m_table->currentSourceRow();
    return row >= 0 && row < m_model->rowCount() ? &m_model->rowAt(row) : nullptr;
}

void TopupsView::updateActions()
{
    const api::Topup *t = currentTopup();
    const bool admin = m_client->session().isAdmin();
    m_redeliver->setEnabled(t && t->canRedeliver());
    // Staff would only get 4030: the action is not theirs to see.
    m_refund->setVisible(admin);
    m_refundButton->setVisible(admin);
    m_refund->setEnabled(admin && t && t->canRefund());
}

void TopupsView::showDetail()
{
    updateActions();
    const api::Topup *t = currentTopup();
    if (!t) {
        m_detailId.clear();
        m_shownId.clear();
        m_shownRow = {};
        m_detail->clear();
        return;
    }
    m_shownRow = *t;
    loadDetail(t->id);
}

void TopupsView::loadDetail(const QString &id)
{
    m_detailId = id;
    m_client->topupDetail(
        id, this,
        [this, id](const api::TopupDetail &d) {
            if (id == m_detailId)
                renderDetail(d);
        },
        [this, id](const api::ApiError &e) {
            if (id != m_detailId)
                return;
            m_shownId.clear();
            m_detail->setHtml(QStringLiteral("<p style='color:#c62828'>%1</p>")
                                  .arg(esc(tr("Could not load the top-up: %1").arg(e.message))));
        });
}

void TopupsView::renderDetail(const api::TopupDetail &d)
{
    const api::Topup &t = d.topup;
    QString html = QStringLiteral("<h3>%1 %2</h3><table>")
                       .arg(esc(tr("Top-up %1").arg(t.id)), statusHtml(t.status));
    if (d.student)
        html += row(tr("Student"), esc(studentText(*d.student)));
    else
        html += row(tr("Student"), esc(tr("unknown (user %1)").arg(t.userId)));
    const QString place = topupRoomText(t);
    html += row(tr("Room"),
                link(RoomScheme, t.roomId,
                     place == t.roomId ? place : QStringLiteral("%1 (%2)").arg(place, t.roomId)));
    html += row(tr("Type"), esc(utilityText(t.utility)));
    html += row(tr("Amount"), esc(yuan(t.amount)));
    html += row(tr("Pay order"), esc(t.payOrderId.isEmpty() ? tr("not signed yet") : t.payOrderId));
    if (!t.channel.isEmpty())
        html += row(tr("Channel"), esc(channelText(t.channel)));
    if (t.balanceAfter)
        html += row(tr("Balance after"), esc(yuan(*t.balanceAfter)));
    html += row(tr("Created"), esc(api::displayTime(t.createdAt)));
    if (t.status == QLatin1String("PENDING_PAYMENT"))
        html += row(tr("Expires"), esc(api::displayTime(t.expiresAt)));
    if (!t.paidAt.isEmpty())
        html += row(tr("Paid"), esc(api::displayTime(t.paidAt)));
    if (!t.deliveryStartedAt.isEmpty())
        html += row(tr("Delivery started"), esc(api::displayTime(t.deliveryStartedAt)));
    if (!t.deliveredAt.isEmpty())
        html += row(tr("Delivered"), esc(api::displayTime(t.deliveredAt)));
    html += row(tr("Delivery attempts"), QString::number(t.attempts));
    if (!t.lastError.isEmpty())
        html += row(tr("Last error"),
                    QStringLiteral("<span style='color:#c62828'>%1</span>").arg(esc(t.lastError)));
    if (!t.nextAttemptAt.isEmpty())
        html += row(tr("Next attempt"), esc(api::displayTime(t.nextAttemptAt)));
    if (!t.failureReason.isEmpty())
        html += row(tr("Failure reason"), esc(t.failureReason));
    html += QStringLiteral("</table>");
    if (t.status == QLatin1String("DELIVERY_FAILED"))
        html += QStringLiteral("<p style='color:#c62828'>%1</p>")
                    .arg(esc(tr("The student paid and the room was not credited. Re-deliver it, "
                                "or refund it (admins).")));

    html += QStringLiteral("<h4>%1</h4><table cellspacing='0' cellpadding='3'>")
                .arg(esc(tr("History")));
    for (const api::TopupEvent &e : d.events) {
        QString what = topupEventKindText(e.kind);
        if (!e.to.isEmpty())
            what = e.from.isEmpty()
                ? topupStatusText(e.to)
                : QStringLiteral("%1 → %2").arg(topupStatusText(e.from), topupStatusText(e.to));
        html += QStringLiteral("<tr><td style='color:#666'>%1</td><td><b style='color:%2'>%3</b>"
                               "</td><td>%4</td><td style='color:#555'>%5</td></tr>")
                    .arg(esc(api::displayTime(e.at)),
                         e.to.isEmpty() ? QStringLiteral("#555") : topupStatusColor(e.to).name(),
                         esc(what), esc(topupActorText(e.actor)), esc(e.detail));
    }
    html += QStringLiteral("</table>");
    m_detail->setHtml(html);
    m_shownId = t.id;
    // The detail is newer than the row the list had: take it (attempts, status, last error).
    if (m_model->rowOfKey(t.id) >= 0 && !(*m_model->topup(t.id) == t)) {
        m_shownRow = t;
        m_model->updateTopup(t);
    }
    updateActions();
    emit detailShown(t.id);
}

void TopupsView::lookUpRoom(const QString &text)
{
    const QString roomId = text.trimmed(); // the utility system's id, as it spells it
    if (roomId.isEmpty())
        return;
    m_roomEdit->setText(roomId);
    m_roomId = roomId;
    m_tabs->setCurrentWidget(m_room);
    m_room->setHtml(QStringLiteral("<p style='color:#666'>%1</p>")
                        .arg(esc(tr("Looking up room %1…").arg(roomId))));
    m_client->room(
        roomId, this,
        [this, roomId](const api::RoomDetail &r) {
            if (roomId == m_roomId)
                renderRoom(r);
        },
        [this, roomId](const api::ApiError &e) {
            if (roomId != m_roomId)
                return;
            const QString message = e.code == 1101
                ? tr("No room %1: neither the utility system nor any student knows it.").arg(roomId)
                : tr("Could not look up room %1: %2").arg(roomId, e.message);
            m_room->setHtml(QStringLiteral("<p style='color:#c62828'>%1</p>").arg(esc(message)));
            emit roomShown(roomId);
        });
}

void TopupsView::renderRoom(const api::RoomDetail &r)
{
    const QString place = QStringLiteral("%1 %2").arg(r.building, r.room).trimmed();
    QString html = QStringLiteral("<h3>%1</h3><table>")
                       .arg(esc(place.isEmpty() ? tr("Room %1").arg(r.roomId)
                                                : tr("Room %1 (%2)").arg(r.roomId, place)));
    if (r.electricity)
        html += row(tr("Electricity balance"), esc(yuan(*r.electricity)));
    if (r.water)
        html += row(tr("Water balance"), esc(yuan(*r.water)));
    if (r.powerOn)
        html += row(
            tr("Power"),
            *r.powerOn
                ? esc(tr("On"))
                : QStringLiteral("<span style='color:#c62828'>%1</span>").arg(esc(tr("Cut off"))));
    if (!r.balanceError.isEmpty())
        html += row(tr("Balances"),
                    QStringLiteral("<span style='color:#c62828'>%1</span>")
                        .arg(esc(tr("the utility system did not answer: %1").arg(r.balanceError))));
    html += QStringLiteral("</table>");

    html += QStringLiteral("<h4>%1</h4>").arg(esc(tr("Bound students")));
    if (r.students.isEmpty()) {
        html += QStringLiteral("<p style='color:#666'>%1</p>").arg(esc(tr("None")));
    } else {
        html += QStringLiteral("<table cellspacing='0' cellpadding='3'>");
        for (const api::TopupStudent &s : r.students)
            html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td>"
                                   "<td style='color:#666'>%4</td></tr>")
                        .arg(esc(s.name), esc(s.studentId), esc(s.phone),
                             esc(tr("bound %1").arg(api::displayTime(s.boundAt))));
        html += QStringLiteral("</table>");
    }

    html += QStringLiteral("<h4>%1</h4>").arg(esc(tr("Latest top-ups")));
    if (r.topups.isEmpty()) {
        html += QStringLiteral("<p style='color:#666'>%1</p>").arg(esc(tr("None")));
    } else {
        html += QStringLiteral("<table cellspacing='0' cellpadding='3'>");
        for (const api::Topup &t : r.topups)
            html +=
                QStringLiteral("<tr><td>%1</td><td>%2</td><td align='right'>%3</td>"
                               "<td>%4</td><td>%5</td></tr>")
                    .arg(esc(api::displayTime(t.createdAt)), esc(utilityText(t.utility)),
                         esc(yuan(t.amount)), statusHtml(t.status), link(TopupScheme, t.id, t.id));
        html += QStringLiteral("</table>");
    }
    m_room->setHtml(html);
    emit roomShown(r.roomId);
}

void TopupsView::redeliverSelected()
{
    const api::Topup *current = currentTopup();
    if (!current || !current->canRedeliver())
        return;
    const api::Topup t = *current;
    const QString what =
        QStringLiteral("%1, %2 %3").arg(topupRoomText(t), utilityText(t.utility), yuan(t.amount));
    const QString state = t.status == QLatin1String("DELIVERY_FAILED")
        ? tr("Its delivery failed: a new run of attempts starts now.")
        : tr("It is waiting for its next attempt: that attempt is made now.");
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Re-deliver top-up"),
             tr("Deliver top-up %1 (%2) to the utility system again.").arg(t.id, what)
                 + QLatin1Char('\n') + state,
             tr("Really re-deliver top-up %1 (%2)?").arg(t.id, what), true, std::nullopt},
            &reason))
        return;
    m_client->redeliverTopup(
        t.id, reason, this,
        [this](const api::Topup &after) {
            actionDone(after, tr("Re-deliver top-up"),
                       tr("Top-up %1 is being delivered again.").arg(after.id));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void TopupsView::refundSelected()
{
    const api::Topup *current = currentTopup();
    if (!current || !current->canRefund() || !m_client->session().isAdmin())
        return;
    const api::Topup t = *current;
    const QString what =
        QStringLiteral("%1, %2 %3").arg(topupRoomText(t), utilityText(t.utility), yuan(t.amount));
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Refund top-up"),
             tr("Stop delivering top-up %1 (%2) and refund %3 to the student through %4.")
                     .arg(t.id, what, yuan(t.amount), channelText(t.channel))
                 + QLatin1Char('\n')
                 + tr("The utility system is asked first: a top-up it credited after all is "
                      "delivered, not refunded."),
             tr("Really refund %1 of top-up %2?").arg(yuan(t.amount), t.id), true, std::nullopt},
            &reason))
        return;
    m_client->refundTopup(
        t.id, reason, this,
        [this](const api::Topup &after) {
            actionDone(after, tr("Refund top-up"),
                       tr("The refund of top-up %1 was asked for: %2.")
                           .arg(after.id, topupStatusText(after.status)));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void TopupsView::actionDone(const api::Topup &after, const QString &title, const QString &message)
{
    // The row changes first (the detail follows a changed row by itself), then the detail with
    // the history the action added.
    if (after.id == m_detailId)
        m_shownRow = after;
    m_model->updateTopup(after);
    m_status->setText(message);
    if (after.id == m_detailId)
        loadDetail(after.id);
    updateActions();
    // The server goes on in the background: look again soon.
    QTimer::singleShot(FollowUpMs, this, [this] {
        refresh();
        if (!m_detailId.isEmpty())
            loadDetail(m_detailId);
    });
    QMessageBox::information(this, title, message);
}

void TopupsView::actionFailed(const api::ApiError &e)
{
    QString text = e.message;
    if (e.code)
        text += QLatin1Char('\n') + tr("Code %1").arg(e.code);
    if (!e.traceId.isEmpty())
        text += QLatin1Char('\n') + tr("Trace id: %1").arg(e.traceId);
    QMessageBox::warning(this, tr("Action failed"), text);
    refresh();
    showDetail();
}

} // namespace pomelo::console
