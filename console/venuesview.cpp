#include "venuesview.h"

#include "format.h"
#include "reasondialog.h"
#include "tableview.h"
#include "venueclosuredialog.h"
#include "venuedialog.h"
#include "venuesmodel.h"

#include <QAction>
#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSplitter>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

/// The bookings listed by name in the confirmation; the rest are counted.
constexpr int ListedBookings = 8;

QToolButton *buttonFor(QAction *action, QWidget *parent)
{
    auto *b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

QString now()
{
    return QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
}

} // namespace

QString apiErrorText(const api::ApiError &e)
{
    QString text = e.message;
    if (e.code)
        text += QLatin1Char('\n') + VenuesView::tr("Code %1").arg(e.code);
    if (!e.traceId.isEmpty())
        text += QLatin1Char('\n') + VenuesView::tr("Trace id: %1").arg(e.traceId);
    return text;
}

VenuesView::VenuesView(api::AdminClient *client, QWidget *parent)
    : PollingView(30000, parent)
    , m_client(client)
    , m_model(new VenuesModel(client, this))
    , m_filter(new VenueActiveFilter(m_model, this))
    , m_table(new TableView(m_filter, this))
    , m_filterEdit(new QLineEdit(this))
    , m_showInactive(new QCheckBox(tr("Show venues &out of service"), this))
    , m_closures(new ClosuresModel(client, this))
    , m_closureTable(new TableView(m_closures, this))
    , m_showPast(new QCheckBox(tr("Show &ended"), this))
    , m_closuresBox(nullptr)
    , m_liveDebounce(new QTimer(this))
    , m_today([] { return QDate::currentDate(); })
{
    // The panes create their widgets in this order, which is also the tab order.
    QWidget *venues = createVenuesPane();
    m_closuresBox = createClosuresPane();
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(venues);
    splitter->addWidget(m_closuresBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({420, 300});
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connectModels();
    followLive();
    venueChanged();
}

QAction *VenuesView::newAction(const QString &text, const QKeySequence &shortcut, QWidget *owner,
                               void (VenuesView::*slot)())
{
    auto *a = new QAction(text, this);
    if (!shortcut.isEmpty()) {
        a->setShortcut(shortcut);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    }
    owner->addAction(a);
    connect(a, &QAction::triggered, this, slot);
    return a;
}

QWidget *VenuesView::createVenuesPane()
{
    m_filterEdit->setPlaceholderText(tr("Filter venues (name, sport, hours, price)"));
    m_table->setFilterEdit(m_filterEdit);
    m_table->setStateKey(QStringLiteral("venues"));
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->sortByColumn(VenuesModel::Name, Qt::AscendingOrder);
    const std::pair<int, int> widths[] = {{VenuesModel::Name, 200},
                                          {VenuesModel::Sport, 110},
                                          {VenuesModel::Hours, 120},
                                          {VenuesModel::Slot, 80},
                                          {VenuesModel::Price, 110}};
    for (const auto &[column, width] : widths)
        m_table->horizontalHeader()->resizeSection(column, width);
    m_showInactive->setChecked(true);

    m_add = newAction(tr("&Add venue…"), QKeySequence::New, m_table, &VenuesView::addVenue);
    m_edit = newAction(tr("&Edit…"), QKeySequence(Qt::CTRL | Qt::Key_E), m_table,
                       &VenuesView::editVenue);
    m_toggleActive = newAction(tr("Take out of ser&vice…"), {}, m_table, &VenuesView::toggleActive);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filterEdit, 1);
    bar->addWidget(m_showInactive);
    bar->addWidget(buttonFor(m_add, this));
    bar->addWidget(buttonFor(m_edit, this));
    bar->addWidget(buttonFor(m_toggleActive, this));
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);
    return pane;
}

QGroupBox *VenuesView::createClosuresPane()
{
    m_closureTable->setStateKey(QStringLiteral("venue-closures"));
    m_closureTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_closureTable->sortByColumn(ClosuresModel::Period, Qt::AscendingOrder);
    const std::pair<int, int> widths[] = {
        {ClosuresModel::Period, 230}, {ClosuresModel::Days, 150},     {ClosuresModel::Hours, 100},
        {ClosuresModel::Reason, 220}, {ClosuresModel::Affected, 110}, {ClosuresModel::State, 120}};
    for (const auto &[column, width] : widths)
        m_closureTable->horizontalHeader()->resizeSection(column, width);

    m_addClosure = newAction(tr("Add &closure…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N),
                             m_closureTable, &VenuesView::addClosure);
    m_deleteClosure = newAction(tr("&Delete closure…"), QKeySequence::Delete, m_closureTable,
                                &VenuesView::deleteClosure);
    m_confirmClosure = newAction(tr("Con&firm: cancel and refund…"),
                                 QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), m_closureTable,
                                 &VenuesView::confirmClosure);

    auto *box = new QGroupBox(tr("Closures"), this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_showPast);
    bar->addStretch(1);
    bar->addWidget(buttonFor(m_addClosure, box));
    bar->addWidget(buttonFor(m_deleteClosure, box));
    bar->addWidget(buttonFor(m_confirmClosure, box));
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_closureTable, 1);
    return box;
}

void VenuesView::connectModels()
{
    connect(m_showInactive, &QCheckBox::toggled, m_filter, &VenueActiveFilter::setShowInactive);
    connect(m_showPast, &QCheckBox::toggled, this,
            [this](bool past) { m_closures->load(m_closures->venueId(), past); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &VenuesView::venueChanged);
    connect(m_closureTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &VenuesView::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &VenuesView::updateActions);
    connect(m_closures, &QAbstractItemModel::dataChanged, this, &VenuesView::updateActions);
    connect(m_table, &QAbstractItemView::doubleClicked, this, &VenuesView::editVenue);
    connect(m_model, &VenuesModel::refreshed, this, [this] {
        if (!m_table->currentIndex().isValid() && m_table->proxy()->rowCount() > 0)
            m_table->setCurrentIndex(m_table->proxy()->index(0, 0));
        int active = 0;
        for (const api::AdminVenue &v : m_model->rows())
            active += v.active ? 1 : 0;
        m_status->setText(tr("%n venue(s), %1 in service; updated %2", nullptr, m_model->rowCount())
                              .arg(active)
                              .arg(now()));
        venueChanged();
    });
    connect(m_model, &VenuesModel::failed, this, &VenuesView::showError);
    connect(m_closures, &ClosuresModel::refreshed, this, [this] {
        if (!m_closureTable->currentIndex().isValid() && m_closureTable->proxy()->rowCount() > 0)
            m_closureTable->setCurrentIndex(m_closureTable->proxy()->index(0, 0));
        updateActions();
    });
    connect(m_closures, &ClosuresModel::failed, this, &VenuesView::showError);
}

void VenuesView::followLive()
{
    // A burst of changes (a confirmation touches many rows) is one refresh.
    m_liveDebounce->setSingleShot(true);
    m_liveDebounce->setInterval(300);
    connect(m_liveDebounce, &QTimer::timeout, this, &VenuesView::refresh);
    connect(m_client, &api::AdminClient::liveVenueEvent, m_liveDebounce,
            qOverload<>(&QTimer::start));
}

void VenuesView::refresh()
{
    if (!m_client->isLoggedIn())
        return;
    m_model->refresh();
    if (m_closures->venueId() != 0)
        m_closures->refresh();
}

QString VenuesView::statusText() const
{
    return m_status->text();
}

bool VenuesView::selectVenue(qint64 id)
{
    const int row = m_model->rowOfVenue(id);
    if (row < 0)
        return false;
    const QModelIndex i =
        m_table->proxy()->mapFromSource(m_filter->mapFromSource(m_model->index(row, 0)));
    if (!i.isValid())
        return false;
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    venueChanged();
    return true;
}

bool VenuesView::selectClosure(qint64 id)
{
    const int row = m_closures->rowOfClosure(id);
    if (row < 0)
        return false;
    const QModelIndex i = m_closureTable->proxy()->mapFromSource(m_closures->index(row, 0));
    if (!i.isValid())
        return false;
    m_closureTable->setCurrentIndex(i);
    updateActions();
    return true;
}

qint64 VenuesView::currentVenueId() const
{
    const api::AdminVenue *v = currentVenue();
    return v ? v->id : 0;
}

const api::AdminVenue *VenuesView::currentVenue() const
{
    const int row = m_filter->modelRow(m_table->currentSourceRow());
    return row >= 0 && row < m_model->rowCount() ? &m_model->rowAt(row) : nullptr;
}

const api::VenueClosure *VenuesView::currentClosure() const
{
    const int row = m_closureTable->currentSourceRow();
    return row >= 0 && row < m_closures->rowCount() ? &m_closures->rowAt(row) : nullptr;
}

void VenuesView::venueChanged()
{
    const api::AdminVenue *v = currentVenue();
    const qint64 id = v ? v->id : 0;
    m_closuresBox->setTitle(v ? tr("Closures of %1").arg(v->name) : tr("Closures"));
    if (id != m_shownVenue) {
        m_shownVenue = id;
        m_closures->load(id, m_showPast->isChecked());
    }
    updateActions();
}

void VenuesView::updateActions()
{
    const api::AdminVenue *v = currentVenue();
    const api::VenueClosure *c = currentClosure();
    const bool admin = m_client->session().isAdmin();
    m_edit->setEnabled(v);
    m_toggleActive->setEnabled(v);
    m_toggleActive->setText(v && !v->active ? tr("Put back in ser&vice…")
                                            : tr("Take out of ser&vice…"));
    m_addClosure->setEnabled(v);
    m_deleteClosure->setEnabled(c);
    // Confirming again retries what a first confirmation left unfinished.
    const bool pending = c && c->state == QLatin1String("PENDING_CONFIRMATION");
    const bool leftOver = c && m_closures->affectedBookings(c->id) > 0;
    m_confirmClosure->setVisible(admin);
    m_confirmClosure->setEnabled(admin && (pending || leftOver));
}

void VenuesView::addVenue()
{
    VenueDialog dialog(std::nullopt, this);
    dialog.setSubmitter([this, &dialog](const api::VenueInput &input, auto done) {
        m_client->createVenue(
            input, &dialog,
            [this, done](const api::AdminVenue &v) {
                m_model->updateVenue(v);
                selectVenue(v.id);
                m_status->setText(tr("Venue %1 added.").arg(v.name));
                done(QString());
            },
            [done](const api::ApiError &e) { done(apiErrorText(e)); });
    });
    dialog.exec();
}

void VenuesView::editVenue()
{
    const api::AdminVenue *current = currentVenue();
    if (!current)
        return;
    const api::AdminVenue before = *current;
    VenueDialog dialog(before, this);
    dialog.setSubmitter([this, &dialog, id = before.id](const api::VenueInput &input, auto done) {
        m_client->updateVenue(
            id, input, &dialog,
            [this, done](const api::AdminVenue &v) {
                m_model->updateVenue(v);
                m_status->setText(tr("Venue %1 saved.").arg(v.name));
                done(QString());
            },
            [done](const api::ApiError &e) { done(apiErrorText(e)); });
    });
    dialog.exec();
}

void VenuesView::toggleActive()
{
    const api::AdminVenue *current = currentVenue();
    if (!current)
        return;
    const api::AdminVenue v = *current;
    const bool activate = !v.active;
    QString reason;
    const ReasonDialog::Request request = activate
        ? ReasonDialog::Request {tr("Put back in service"),
                                 tr("Students can book %1 again.").arg(v.name),
                                 tr("Really put %1 back in service?").arg(v.name), true,
                                 std::nullopt}
        : ReasonDialog::Request {
            tr("Take out of service"),
            tr("%1 disappears from the mini-program and refuses new bookings. Bookings already "
               "made stay: close the venue for their times to cancel and refund them.")
                .arg(v.name),
            tr("Really take %1 out of service?").arg(v.name), true, std::nullopt};
    if (!ReasonDialog::ask(this, request, &reason))
        return;
    api::VenueInput input {v.name,        v.sport,        v.openFrom, v.openTo,
                           v.slotMinutes, v.pricePerSlot, activate,   reason};
    m_client->updateVenue(
        v.id, input, this,
        [this](const api::AdminVenue &after) {
            m_model->updateVenue(after);
            m_status->setText(after.active ? tr("%1 is in service again.").arg(after.name)
                                           : tr("%1 is out of service.").arg(after.name));
            updateActions();
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void VenuesView::addClosure()
{
    const api::AdminVenue *current = currentVenue();
    if (!current)
        return;
    const api::AdminVenue v = *current;
    VenueClosureDialog dialog(v, m_today(), this);
    dialog.setSubmitter([this, &dialog, v](const api::ClosureInput &input, auto done) {
        m_client->createClosure(
            v.id, input, &dialog,
            [this, done, v](const api::ClosureDetail &d) {
                if (m_closures->venueId() == v.id) {
                    m_closures->upsert(d.closure);
                    m_closures->setDetail(d);
                    selectClosure(d.closure.id);
                }
                m_status->setText(
                    tr("Closure of %1 added: it covers %n booking(s), untouched until an admin "
                       "confirms it.",
                       nullptr, static_cast<int>(d.bookings.size()))
                        .arg(v.name));
                done(QString());
            },
            [done](const api::ApiError &e) { done(apiErrorText(e)); });
    });
    dialog.exec();
}

void VenuesView::deleteClosure()
{
    const api::VenueClosure *current = currentClosure();
    const api::AdminVenue *venue = currentVenue();
    if (!current || !venue)
        return;
    const api::VenueClosure c = *current;
    const QString period = closurePeriodText(c.from, c.to);
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Delete closure"),
             tr("Delete the closure of %1 (%2, %3 %4: %5). Its times can be booked again; "
                "bookings already cancelled or refunded stay so.")
                 .arg(venue->name, period, closureDaysText(c.days),
                      closureHoursText(c.dailyFrom, c.dailyTo), c.reason),
             tr("Really delete the closure of %1 (%2)?").arg(venue->name, period), true,
             std::nullopt},
            &reason))
        return;
    m_client->deleteClosure(
        c.venueId ? c.venueId : venue->id, c.id, reason, this,
        [this, period](bool) {
            m_status->setText(tr("Closure %1 deleted.").arg(period));
            m_closures->refresh();
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void VenuesView::confirmClosure()
{
    const api::VenueClosure *current = currentClosure();
    const api::AdminVenue *venue = currentVenue();
    if (!current || !venue || !m_client->session().isAdmin())
        return;
    // The bookings it covers now, not when the list was loaded.
    m_status->setText(tr("Loading the bookings the closure covers…"));
    m_client->closure(
        venue->id, current->id, this,
        [this, v = *venue](const api::ClosureDetail &d) {
            m_closures->setDetail(d);
            askConfirmation(v, d);
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void VenuesView::askConfirmation(const api::AdminVenue &venue, const api::ClosureDetail &d)
{
    const api::VenueClosure &c = d.closure;
    const QString period = closurePeriodText(c.from, c.to);
    qint64 paidCents = 0;
    int paid = 0;
    QStringList lines;
    for (const api::AffectedBooking &b : d.bookings) {
        const bool isPaid =
            b.status == QLatin1String("PAID") || b.status == QLatin1String("CHECKED_IN");
        paid += isPaid ? 1 : 0;
        paidCents += isPaid ? b.amount : 0;
        if (lines.size() < ListedBookings)
            lines.append(QStringLiteral("• %1 %2–%3  %4  %5")
                             .arg(b.date, b.startTime, b.endTime, bookingStatusText(b.status),
                                  yuan(b.amount)));
    }
    const int count = static_cast<int>(d.bookings.size());
    if (count > lines.size())
        lines.append(tr("… and %n more", nullptr, count - static_cast<int>(lines.size())));
    QString description = tr("Closure of %1: %2, %3 %4 — %5")
                              .arg(venue.name, period, closureDaysText(c.days),
                                   closureHoursText(c.dailyFrom, c.dailyTo), c.reason)
        + QStringLiteral("\n\n");
    if (count == 0) {
        description += tr("It covers no booking now: confirming only records the decision.");
    } else {
        description +=
            tr("Confirming cancels the %n booking(s) it covers; each student gets a message.",
               nullptr, count)
            + QLatin1Char('\n')
            + tr("%n paid booking(s) will be refunded, %1 in all.", nullptr, paid)
                  .arg(yuan(paidCents))
            + QStringLiteral("\n\n") + lines.join(QLatin1Char('\n'));
    }
    const QString question = count == 0
        ? tr("Really confirm the closure of %1 (%2)?").arg(venue.name, period)
        : tr("Really cancel %n booking(s) of %1 and refund %2?", nullptr, count)
              .arg(venue.name, yuan(paidCents));
    QString reason;
    if (!ReasonDialog::ask(this, {tr("Confirm closure"), description, question, true, std::nullopt},
                           &reason)) {
        m_status->clear();
        return;
    }
    m_client->confirmClosure(
        venue.id, c.id, reason, this,
        [this](const api::ClosureConfirmResult &r) {
            QHash<QString, int> outcomes;
            for (const api::ClosureOutcome &o : r.results)
                ++outcomes[o.outcome];
            m_status->setText(
                tr("Closure confirmed: %1 cancelled, %2 refunded, %3 being refunded, %4 awaiting "
                   "payment, %5 unchanged, %6 failed.")
                    .arg(outcomes.value(QStringLiteral("CANCELLED")))
                    .arg(outcomes.value(QStringLiteral("REFUNDED")))
                    .arg(outcomes.value(QStringLiteral("REFUNDING")))
                    .arg(outcomes.value(QStringLiteral("AWAITING_PAYMENT")))
                    .arg(outcomes.value(QStringLiteral("UNCHANGED")))
                    .arg(outcomes.value(QStringLiteral("FAILED"))));
            m_closures->upsert(r.closure);
            m_closures->refresh();
            if (outcomes.value(QStringLiteral("FAILED")) > 0)
                QMessageBox::warning(this, tr("Confirm closure"),
                                     tr("%n booking(s) could not be cancelled or refunded. "
                                        "Confirm again to retry them.",
                                        nullptr, outcomes.value(QStringLiteral("FAILED"))));
        },
        [this](const api::ApiError &e) { actionFailed(e); });
}

void VenuesView::actionFailed(const api::ApiError &e)
{
    m_status->setText(tr("Action failed: %1").arg(e.message));
    QMessageBox::warning(this, tr("Action failed"), apiErrorText(e));
    refresh();
}

} // namespace pomelo::console
