#include "venueboardview.h"

#include "format.h"
#include "venueboardmodel.h"

#include <QDateEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

namespace pomelo::console {

VenueBoardView::VenueBoardView(api::AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new VenueBoardModel(client, this))
    , m_table(new QTableView(this))
    , m_date(new QDateEdit(QDate::currentDate(), this))
    , m_detail(new QTextBrowser(this))
    , m_checkIn(new QPushButton(tr("Check &in"), this))
    , m_info(new QLabel(this))
    , m_timer(new QTimer(this))
{
    // The pieces create their widgets in this order, which is also the tab order.
    QHBoxLayout *bar = createDayBar();
    setUpTable();
    QSplitter *splitter = createDetailSplitter();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_info);

    connectModel();
    startRefreshing();
}

/// Day navigation, then a legend of the slot colours.
QHBoxLayout *VenueBoardView::createDayBar()
{
    m_date->setCalendarPopup(true);
    m_date->setDisplayFormat(QStringLiteral("yyyy-MM-dd ddd"));
    auto *previous = new QPushButton(tr("◀ Previous day"), this);
    auto *today = new QPushButton(tr("&Today"), this);
    auto *next = new QPushButton(tr("Next day ▶"), this);
    previous->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    next->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
    auto *bar = new QHBoxLayout;
    bar->addWidget(previous);
    bar->addWidget(m_date);
    bar->addWidget(next);
    bar->addWidget(today);
    bar->addSpacing(20);
    for (const QString &state : {QStringLiteral("FREE"), QStringLiteral("HELD"),
                                 QStringLiteral("BOOKED"), QStringLiteral("CHECKED_IN")}) {
        auto *swatch = new QLabel(slotStateText(state), this);
        swatch->setStyleSheet(
            QStringLiteral("background: %1; border: 1px solid #bbb; padding: 2px 10px;")
                .arg(slotStateColor(state).name()));
        bar->addWidget(swatch);
    }
    bar->addStretch(1);

    connect(previous, &QPushButton::clicked, this,
            [this] { m_date->setDate(m_date->date().addDays(-1)); });
    connect(next, &QPushButton::clicked, this,
            [this] { m_date->setDate(m_date->date().addDays(1)); });
    connect(today, &QPushButton::clicked, this, [this] { m_date->setDate(QDate::currentDate()); });
    connect(m_date, &QDateEdit::dateChanged, this, &VenueBoardView::refresh);
    return bar;
}

void VenueBoardView::setUpTable()
{
    m_table->setModel(m_model);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setShowGrid(true);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setDefaultSectionSize(56);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(34);
    m_table->setStyleSheet(
        QStringLiteral("QTableView { gridline-color: #d0d0d0; } QTableView::item:selected { "
                       "border: 2px solid #1565c0; color: black; }"));
}

/// The board, and beside it the selected booking with its check-in button.
QSplitter *VenueBoardView::createDetailSplitter()
{
    m_detail->setPlaceholderText(tr("Click a booking to see it."));
    m_checkIn->setEnabled(false);
    m_checkIn->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_detail, 1);
    sideLayout->addWidget(m_checkIn);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({900, 260});
    return splitter;
}

void VenueBoardView::connectModel()
{
    connect(m_model, &QAbstractItemModel::modelReset, this, &VenueBoardView::applySpans);
    connect(m_model, &VenueBoardModel::refreshed, this, [this] {
        applySpans();
        int booked = 0;
        for (const api::BoardVenue &v : m_model->board().venues) {
            for (const api::BoardSlot &s : v.timeSlots)
                booked += s.state != QLatin1String("FREE") ? 1 : 0;
        }
        m_info->setText(tr("%1: %n slot(s) taken", nullptr, booked).arg(m_model->date()));
        if (!m_selectedBooking.isEmpty())
            selectBooking(m_selectedBooking);
        showSlot();
    });
    connect(m_model, &VenueBoardModel::failed, this, [this](const api::ApiError &e) {
        m_info->setText(tr("Could not load the board: %1").arg(e.message));
    });
    connect(m_table, &QTableView::clicked, this, &VenueBoardView::showSlot);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &VenueBoardView::showSlot);
    connect(m_checkIn, &QPushButton::clicked, this, &VenueBoardView::checkIn);
}

void VenueBoardView::startRefreshing()
{
    // Bookings change with payments: follow the live feed (debounced), and poll regardless.
    m_timer->setInterval(15000);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    m_timer->start();
    auto *debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(500);
    connect(debounce, &QTimer::timeout, this, &VenueBoardView::refresh);
    connect(m_client, &api::AdminClient::liveOrderEvent, debounce, qOverload<>(&QTimer::start));
}

void VenueBoardView::refresh()
{
    m_model->load(m_date->date().toString(Qt::ISODate));
}

void VenueBoardView::applySpans()
{
    m_table->clearSpans();
    for (int r = 0; r < m_model->rowCount(); ++r) {
        for (int c = 0; c < m_model->columnCount(); ++c) {
            const int span = m_model->columnSpan(r, c);
            if (span > 1)
                m_table->setSpan(r, c, 1, span);
        }
    }
}

bool VenueBoardView::selectBooking(const QString &bookingId)
{
    const QModelIndex i = m_model->indexOfBooking(bookingId);
    if (!i.isValid())
        return false;
    m_table->setCurrentIndex(i);
    m_table->scrollTo(i);
    return true;
}

void VenueBoardView::showSlot()
{
    const QModelIndex index = m_table->currentIndex();
    const api::BoardSlot *s = m_model->slotAt(index);
    const api::BoardVenue *v = m_model->venueAt(index.row());
    m_checkIn->setEnabled(false);
    if (!s || !v) {
        m_selectedBooking.clear();
        m_detail->clear();
        return;
    }
    m_selectedBooking = s->bookingId;
    QString html = QStringLiteral("<h3>%1</h3><p>%2 %3–%4</p><p><b>%5</b></p>")
                       .arg(v->name.toHtmlEscaped(), m_model->date(), s->startTime, s->endTime,
                            slotStateText(s->state).toHtmlEscaped());
    if (!s->bookingId.isEmpty()) {
        html += QStringLiteral("<table>");
        const auto line = [&html](const QString &k, const QString &value) {
            html += QStringLiteral(
                        "<tr><td style='color:#666; padding-right:8px'>%1</td><td>%2</td></tr>")
                        .arg(k.toHtmlEscaped(), value.toHtmlEscaped());
        };
        line(tr("Booking"), s->bookingId);
        line(tr("Status"), bookingStatusText(s->bookingStatus));
        line(tr("Name"), s->userName);
        line(tr("Student id"), s->studentId);
        line(tr("WeChat user"), s->openId);
        html += QStringLiteral("</table>");
    }
    m_detail->setHtml(html);
    const bool isToday = m_model->date() == QDate::currentDate().toString(Qt::ISODate);
    m_checkIn->setEnabled(s->bookingStatus == QLatin1String("PAID") && isToday);
    m_checkIn->setToolTip(s->bookingStatus == QLatin1String("PAID") && !isToday
                              ? tr("Only bookings of today can be checked in.")
                              : QString());
}

void VenueBoardView::checkIn()
{
    const api::BoardSlot *s = m_model->slotAt(m_table->currentIndex());
    const api::BoardVenue *v = m_model->venueAt(m_table->currentIndex().row());
    if (!s || !v || s->bookingId.isEmpty())
        return;
    const QString id = s->bookingId;
    if (QMessageBox::question(this, tr("Check in"),
                              tr("Check in %1 for %2, %3–%4?")
                                  .arg(s->userName.isEmpty() ? s->openId : s->userName, v->name,
                                       s->startTime, s->endTime))
        != QMessageBox::Yes)
        return;
    m_checkIn->setEnabled(false);
    m_client->checkIn(
        id, this,
        [this](const api::Booking &b) {
            m_info->setText(tr("Booking %1 checked in.").arg(b.id));
            refresh();
        },
        [this](const api::ApiError &e) {
            QMessageBox::warning(this, tr("Check-in failed"), e.message);
            refresh();
        });
}

} // namespace pomelo::console
