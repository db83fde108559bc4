#include "opsviews.h"

#include "deliveryprogress.h"
#include "format.h"
#include "opsmodels.h"
#include "reasondialog.h"
#include "tableview.h"

#include <QAction>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

QWidget *titled(const QString &title, QWidget *content, QWidget *parent)
{
    auto *box = new QGroupBox(title, parent);
    auto *l = new QVBoxLayout(box);
    l->setContentsMargins(4, 4, 4, 4);
    l->addWidget(content);
    return box;
}

QString errorText(const api::ApiError &e)
{
    QString text = e.message;
    if (e.code)
        text += QStringLiteral(" (%1)").arg(e.code);
    return text;
}

} // namespace

// ---- PollingView ----

PollingView::PollingView(int intervalMs, QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_timer(new QTimer(this))
{
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, [this] { refresh(); });
}

void PollingView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void PollingView::hideEvent(QHideEvent *event)
{
    m_timer->stop();
    QWidget::hideEvent(event);
}

void PollingView::showError(const api::ApiError &error)
{
    m_status->setText(tr("Could not refresh: %1").arg(errorText(error)));
}

// ---- Streams ----

StreamsView::StreamsView(api::AdminClient *client, QWidget *parent)
    : PollingView(5000, parent)
    , m_models(new StreamModels(client, this))
    , m_summary(new QLabel(this))
{
    auto *groups = new TableView(m_models->groups(), this);
    groups->setStateKey(QStringLiteral("stream-groups"));
    auto *entries = new TableView(m_models->entries(), this);
    entries->setStateKey(QStringLiteral("stream-entries"));
    entries->sortByColumn(0, Qt::DescendingOrder);
    auto *dead = new TableView(m_models->deadLetters(), this);
    dead->setStateKey(QStringLiteral("stream-dead"));
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter entries"));
    entries->setFilterEdit(filter);
    for (TableView *t : {entries, dead}) {
        t->horizontalHeader()->resizeSection(0, 150);
        t->horizontalHeader()->resizeSection(1, 170);
    }

    auto *entriesBox = new QWidget(this);
    auto *entriesLayout = new QVBoxLayout(entriesBox);
    entriesLayout->setContentsMargins(0, 0, 0, 0);
    entriesLayout->addWidget(filter);
    entriesLayout->addWidget(entries);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(titled(tr("Consumer groups"), groups, this));
    splitter->addWidget(titled(tr("Latest events"), entriesBox, this));
    splitter->addWidget(titled(tr("Dead letters"), dead, this));
    splitter->setSizes({140, 320, 160});

    auto *layout = new QVBoxLayout(this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    connect(m_models, &StreamModels::refreshed, this, [this] {
        const api::StreamInfo &s = m_models->info();
        m_summary->setText(tr("Stream <b>%1</b>: %2 entries, last id %3; dead letters: %4")
                               .arg(s.stream.toHtmlEscaped())
                               .arg(s.length)
                               .arg(s.lastGeneratedId.toHtmlEscaped())
                               .arg(s.deadLetterLength));
        m_status->setText(
            tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_models, &StreamModels::failed, this, &StreamsView::showError);
}

void StreamsView::refresh()
{
    m_models->refresh();
}

// ---- Delayed queues ----

QueuesView::QueuesView(api::AdminClient *client, QWidget *parent)
    : PollingView(3000, parent)
    , m_client(client)
    , m_model(new QueueItemsModel(client, this))
    , m_table(new TableView(m_model, this))
    , m_summary(new QLabel(this))
{
    m_table->setStateKey(QStringLiteral("queues"));
    m_table->sortByColumn(3, Qt::AscendingOrder);
    m_table->horizontalHeader()->resizeSection(1, 200);
    m_table->horizontalHeader()->resizeSection(3, 150);
    auto *fire = new QAction(tr("&Fire now…"), this);
    auto *cancel = new QAction(tr("&Cancel item…"), this);
    fire->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    cancel->setShortcut(QKeySequence::Delete);
    fire->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    cancel->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(fire);
    m_table->addAction(cancel);
    connect(fire, &QAction::triggered, this, [this] { act(true); });
    connect(cancel, &QAction::triggered, this, [this] { act(false); });
    auto *fireButton = new QPushButton(fire->text(), this);
    auto *cancelButton = new QPushButton(cancel->text(), this);
    connect(fireButton, &QPushButton::clicked, fire, &QAction::trigger);
    connect(cancelButton, &QPushButton::clicked, cancel, &QAction::trigger);
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter items"));
    m_table->setFilterEdit(filter);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    bar->addWidget(filter);
    bar->addWidget(fireButton);
    bar->addWidget(cancelButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    connect(m_model, &QueueItemsModel::refreshed, this, [this] {
        QStringList parts;
        for (const api::DelayedQueueInfo &q : m_model->queues())
            parts.append(tr("<b>%1</b>: %2 scheduled, %3 processing")
                             .arg(q.name.toHtmlEscaped())
                             .arg(q.scheduled)
                             .arg(q.processing));
        m_summary->setText(parts.join(QStringLiteral(" &nbsp; ")));
        m_status->setText(
            tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_model, &QueueItemsModel::failed, this, &QueuesView::showError);
}

void QueuesView::refresh()
{
    m_model->refresh();
}

void QueuesView::act(bool fire)
{
    const int row = m_table->currentSourceRow();
    if (row < 0)
        return;
    const api::DelayedItem item = m_model->rowAt(row);
    QString reason;
    const QString what = fire
        ? tr("Fire %1 of queue %2 now?").arg(item.member, item.queue)
        : tr("Remove %1 from queue %2? It will never fire.").arg(item.member, item.queue);
    if (!ReasonDialog::ask(this,
                           {fire ? tr("Fire now") : tr("Cancel queue item"),
                            what + QLatin1Char('\n') + tr("Payload: %1").arg(item.payload), what,
                            true, std::nullopt},
                           &reason))
        return;
    const auto done = [this](bool) {
        refresh();
    };
    const auto failed = [this](const api::ApiError &e) {
        QMessageBox::warning(this, tr("Action failed"), errorText(e));
        refresh();
    };
    if (fire)
        m_client->fireQueueItem(item.queue, item.member, reason, this, done, failed);
    else
        m_client->cancelQueueItem(item.queue, item.member, reason, this, done, failed);
}

// ---- Locks ----

LocksView::LocksView(api::AdminClient *client, QWidget *parent)
    : PollingView(2000, parent)
    , m_model(new LocksModel(client, this))
{
    auto *table = new TableView(m_model, this);
    table->setStateKey(QStringLiteral("locks"));
    table->horizontalHeader()->resizeSection(0, 380);
    table->horizontalHeader()->resizeSection(1, 260);
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter locks"));
    table->setFilterEdit(filter);
    auto *hint =
        new QLabel(tr("Locks held right now (venue slots while booking, orders while paying). "
                      "They expire by themselves."),
                   this);
    hint->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(hint);
    layout->addWidget(filter);
    layout->addWidget(table, 1);
    layout->addWidget(m_status);
    connect(m_model, &LocksModel::refreshed, this, [this] {
        m_status->setText(tr("%n lock(s) held; updated %1", nullptr, m_model->rowCount())
                              .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_model, &LocksModel::failed, this, &LocksView::showError);
}

void LocksView::refresh()
{
    m_model->refresh();
}

// ---- Notifications ----

NotificationsView::NotificationsView(api::AdminClient *client, QWidget *parent)
    : PollingView(5000, parent)
    , m_client(client)
    , m_model(new NotificationsModel(client, this))
    , m_table(new TableView(m_model, this))
    , m_state(new QComboBox(this))
    , m_counts(new QLabel(this))
{
    m_state->addItem(notificationStateText(QStringLiteral("FAILED")), QStringLiteral("FAILED"));
    m_state->addItem(notificationStateText(QStringLiteral("PENDING")), QStringLiteral("PENDING"));
    m_state->addItem(notificationStateText(QStringLiteral("DELIVERED")),
                     QStringLiteral("DELIVERED"));
    m_state->addItem(tr("All"), QString());
    m_table->setStateKey(QStringLiteral("notifications"));
    m_table->sortByColumn(0, Qt::DescendingOrder);
    m_table->horizontalHeader()->resizeSection(1, 170);
    auto *resend = new QAction(tr("&Re-send selected"), this);
    auto *resendAll = new QAction(tr("Re-send &all failed of an app…"), this);
    resend->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    resend->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(resend);
    m_table->addAction(resendAll);
    connect(resend, &QAction::triggered, this, &NotificationsView::resendSelected);
    connect(resendAll, &QAction::triggered, this, &NotificationsView::resendAllOfApp);
    auto *resendButton = new QPushButton(resend->text(), this);
    auto *resendAllButton = new QPushButton(resendAll->text(), this);
    connect(resendButton, &QPushButton::clicked, resend, &QAction::trigger);
    connect(resendAllButton, &QPushButton::clicked, resendAll, &QAction::trigger);
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter"));
    m_table->setFilterEdit(filter);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("State:"), this));
    bar->addWidget(m_state);
    bar->addWidget(filter, 1);
    bar->addWidget(resendButton);
    bar->addWidget(resendAllButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_counts);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    connect(m_state, &QComboBox::activated, this,
            [this] { m_model->setState(m_state->currentData().toString()); });
    connect(m_model, &NotificationsModel::refreshed, this, [this] {
        const QHash<QString, qint64> &c = m_model->counts();
        m_counts->setText(tr("Failed: %1 · Pending: %2 · Delivered: %3")
                              .arg(c.value(QStringLiteral("FAILED")))
                              .arg(c.value(QStringLiteral("PENDING")))
                              .arg(c.value(QStringLiteral("DELIVERED"))));
        m_status->setText(
            tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    });
    connect(m_model, &NotificationsModel::failed, this, &NotificationsView::showError);
}

void NotificationsView::refresh()
{
    m_model->refresh();
}

void NotificationsView::resendSelected()
{
    const QList<int> rows = m_table->selectedSourceRows();
    if (rows.isEmpty())
        return;
    QStringList ids;
    for (const int r : rows)
        ids.append(m_model->rowAt(r).id);
    if (QMessageBox::question(this, tr("Re-send"),
                              tr("Re-send %n notification(s) to their merchants?", nullptr,
                                 static_cast<int>(ids.size())))
        != QMessageBox::Yes)
        return;
    auto *progress =
        new QProgressDialog(tr("Re-sending…"), tr("Stop"), 0, static_cast<int>(ids.size()), this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(0);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setValue(0);
    // One after the other, so the progress is real and a failure stops nothing else.
    auto next = std::make_shared<std::function<void(int, int)>>();
    QPointer<QProgressDialog> guard(progress);
    *next = [this, ids, guard, next](int i, int failures) {
        if (!guard || guard->wasCanceled() || i >= ids.size()) {
            if (guard)
                guard->close();
            m_status->setText(tr("%n re-sent", nullptr, i - failures)
                              + (failures ? tr(", %n failed", nullptr, failures) : QString()));
            refresh();
            *next = nullptr; // breaks the cycle
            return;
        }
        guard->setLabelText(
            tr("Re-sending %1 (%2 of %3)…").arg(ids.at(i)).arg(i + 1).arg(ids.size()));
        m_client->resendNotification(
            ids.at(i), {}, this,
            [this, i, failures, next](const api::Notification &n) {
                m_model->updateNotification(n);
                if (*next) {
                    (*next)(i + 1, failures);
                }
            },
            [i, failures, next](const api::ApiError &) {
                if (*next)
                    (*next)(i + 1, failures + 1);
            });
        guard->setValue(i);
    };
    (*next)(0, 0);
}

void NotificationsView::resendAllOfApp()
{
    QStringList apps;
    const int current = m_table->currentSourceRow();
    if (current >= 0)
        apps.append(m_model->rowAt(current).appId);
    for (const api::Notification &n : m_model->rows()) {
        if (!apps.contains(n.appId))
            apps.append(n.appId);
    }
    for (const QString &known :
         {QStringLiteral("venue-booking"), QStringLiteral("utility-topup")}) {
        if (!apps.contains(known))
            apps.append(known);
    }
    bool ok = false;
    const QString app =
        QInputDialog::getItem(this, tr("Re-send all failed"),
                              tr("Re-send every failed notification of app:"), apps, 0, true, &ok)
            .trimmed();
    if (!ok || app.isEmpty())
        return;
    QString reason;
    if (!ReasonDialog::ask(
            this,
            {tr("Re-send all failed"),
             tr("Every FAILED notification of %1 is queued for delivery again.").arg(app),
             tr("Re-send all failed notifications of %1?").arg(app), false, std::nullopt},
            &reason))
        return;
    m_client->resendFailed(
        app, reason, this,
        [this, app](int count) {
            refresh();
            if (count == 0) {
                QMessageBox::information(this, tr("Re-send all failed"),
                                         tr("%1 had no failed notifications.").arg(app));
                return;
            }
            // Follow the delivery: the notifications of this app still pending.
            auto *progress = new DeliveryProgress(
                tr("Delivering %n notification(s) of %1…", nullptr, count).arg(app), count,
                [client = m_client, app](QObject *context, std::function<void(int)> done) {
                    client->notifications(QStringLiteral("PENDING"), app, {}, context,
                                          [done](const api::AdminClient::NotificationPage &page) {
                                              done(static_cast<int>(page.page.items.size()));
                                          });
                },
                this);
            progress->show();
        },
        [this](const api::ApiError &e) {
            QMessageBox::warning(this, tr("Action failed"), errorText(e));
        });
}

// ---- Audit ----

AuditView::AuditView(api::AdminClient *client, QWidget *parent)
    : PollingView(10000, parent)
    , m_model(new AuditModel(client, this))
    , m_table(new TableView(m_model, this))
    , m_actor(new QLineEdit(this))
    , m_action(new QComboBox(this))
    , m_target(new QLineEdit(this))
    , m_more(new QPushButton(tr("Load &more"), this))
{
    m_actor->setPlaceholderText(tr("Who"));
    m_target->setPlaceholderText(tr("Target, e.g. order:123"));
    m_action->addItem(tr("All actions"), QString());
    for (const QString &a :
         {QStringLiteral("order.close"), QStringLiteral("order.refund"),
          QStringLiteral("order.verify"), QStringLiteral("order.renotify"),
          QStringLiteral("booking.check_in"), QStringLiteral("queue.fire"),
          QStringLiteral("queue.cancel"), QStringLiteral("notification.resend"),
          QStringLiteral("notification.resend_failed"), QStringLiteral("topup.redeliver"),
          QStringLiteral("topup.refund"), QStringLiteral("login"), QStringLiteral("login_failed")})
        m_action->addItem(auditActionText(a), a);
    m_table->setStateKey(QStringLiteral("audit"));
    m_table->sortByColumn(0, Qt::DescendingOrder);
    m_table->horizontalHeader()->resizeSection(0, 150);
    m_table->horizontalHeader()->resizeSection(3, 190);
    m_table->horizontalHeader()->resizeSection(4, 180);
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter loaded rows"));
    m_table->setFilterEdit(filter);
    auto *search = new QPushButton(tr("&Search"), this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_actor);
    bar->addWidget(m_action);
    bar->addWidget(m_target, 1);
    bar->addWidget(search);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(filter, 1);
    bottom->addWidget(m_more);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(bottom);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    connect(search, &QPushButton::clicked, this, &AuditView::applyFilters);
    connect(m_actor, &QLineEdit::returnPressed, this, &AuditView::applyFilters);
    connect(m_target, &QLineEdit::returnPressed, this, &AuditView::applyFilters);
    connect(m_action, &QComboBox::activated, this, &AuditView::applyFilters);
    connect(m_more, &QPushButton::clicked, m_model, &AuditModel::loadMore);
    connect(m_model, &AuditModel::refreshed, this, [this] {
        m_more->setEnabled(m_model->hasMore());
        m_status->setText(tr("%n entries loaded", nullptr, m_model->rowCount()));
    });
    connect(m_model, &AuditModel::failed, this, &AuditView::showError);
}

void AuditView::applyFilters()
{
    api::AdminClient::AuditQuery q;
    q.actor = m_actor->text().trimmed();
    q.action = m_action->currentData().toString();
    q.target = m_target->text().trimmed();
    m_model->setQuery(q);
}

void AuditView::refresh()
{
    m_model->refresh();
}

} // namespace pomelo::console
