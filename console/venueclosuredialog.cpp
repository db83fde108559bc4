#include "venueclosuredialog.h"

#include "venuedialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDateEdit>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTimeZone>
#include <QVBoxLayout>

namespace pomelo::console {

namespace {

QString instant(const QDate &day, int utcOffsetSeconds)
{
    return QDateTime(day, QTime(0, 0), QTimeZone(utcOffsetSeconds)).toString(Qt::ISODate);
}

} // namespace

ClosureCheck checkClosureForm(const ClosureForm &form, int utcOffsetSeconds, const QDate &today)
{
    const auto fail = [](const QString &problem) {
        return ClosureCheck {std::nullopt, problem};
    };
    if (!form.firstDay.isValid() || !form.lastDay.isValid())
        return fail(VenueClosureDialog::tr("Choose the first and the last day."));
    if (form.lastDay < form.firstDay)
        return fail(VenueClosureDialog::tr("The last day is before the first day."));
    if (form.lastDay < today)
        return fail(VenueClosureDialog::tr("The closure would be over already."));
    if (form.firstDay.daysTo(form.lastDay) + 1 > MaxClosureDays)
        return fail(VenueClosureDialog::tr("A closure lasts at most %1 days.").arg(MaxClosureDays));
    api::ClosureInput input;
    input.from = instant(form.firstDay, utcOffsetSeconds);
    input.to = instant(form.lastDay.addDays(1), utcOffsetSeconds);
    if (form.timesOfDay) {
        QList<int> days;
        for (const int d : form.days) {
            if (d >= 1 && d <= 7 && !days.contains(d))
                days.append(d);
        }
        std::sort(days.begin(), days.end());
        if (days.isEmpty())
            return fail(VenueClosureDialog::tr("Check at least one weekday."));
        const int from = minutesOfTime(form.dailyFrom.trimmed());
        if (from < 0)
            return fail(VenueClosureDialog::tr("From: enter HH:MM, e.g. 14:00."));
        const int to = minutesOfTime(form.dailyTo.trimmed(), true);
        if (to < 0)
            return fail(VenueClosureDialog::tr("Until: enter HH:MM, e.g. 16:00 (or 24:00)."));
        if (from % 5 != 0 || to % 5 != 0)
            return fail(VenueClosureDialog::tr("Daily times must be on 5-minute steps."));
        if (from >= to)
            return fail(VenueClosureDialog::tr("The daily time range must end after it starts."));
        input.days = days.size() == 7 ? QList<int>() : days;
        input.dailyFrom = form.dailyFrom.trimmed();
        input.dailyTo = form.dailyTo.trimmed();
    }
    const QString reason = form.reason.trimmed();
    if (reason.isEmpty())
        return fail(VenueClosureDialog::tr("A reason is required: the students read it."));
    if (reason.size() > MaxClosureReasonLength)
        return fail(VenueClosureDialog::tr("The reason is too long (at most %1 characters).")
                        .arg(MaxClosureReasonLength));
    input.reason = reason;
    return {input, {}};
}

int serverUtcOffset(const QString &rfc3339)
{
    const QDateTime t = QDateTime::fromString(rfc3339, Qt::ISODate);
    if (t.isValid())
        return t.offsetFromUtc();
    return QDateTime::currentDateTime().offsetFromUtc();
}

VenueClosureDialog::VenueClosureDialog(const api::AdminVenue &venue, const QDate &today,
                                       QWidget *parent)
    : QDialog(parent)
    , m_offset(serverUtcOffset(venue.createdAt))
    , m_today(today)
    , m_wholeDays(new QRadioButton(tr("&Whole days"), this))
    , m_timesOfDay(new QRadioButton(tr("&Times on given days"), this))
    , m_firstDay(new QDateEdit(today, this))
    , m_lastDay(new QDateEdit(today, this))
    , m_dailyFrom(new QLineEdit(QStringLiteral("14:00"), this))
    , m_dailyTo(new QLineEdit(QStringLiteral("16:00"), this))
    , m_timesBox(new QWidget(this))
    , m_reason(new QPlainTextEdit(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Close %1").arg(venue.name));
    auto *modes = new QButtonGroup(this);
    modes->addButton(m_wholeDays);
    modes->addButton(m_timesOfDay);
    m_wholeDays->setChecked(true);
    for (QDateEdit *e : {m_firstDay, m_lastDay}) {
        e->setCalendarPopup(true);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd ddd"));
        e->setMinimumDate(today);
        e->setMinimumWidth(160);
    }

    auto *daysRow = new QHBoxLayout;
    const QLocale locale;
    for (int d = 1; d <= 7; ++d) {
        auto *box = new QCheckBox(locale.dayName(d, QLocale::ShortFormat), m_timesBox);
        box->setChecked(true);
        m_dayBoxes.append(box);
        daysRow->addWidget(box);
        connect(box, &QCheckBox::toggled, this, &VenueClosureDialog::validate);
    }
    daysRow->addStretch(1);
    auto *timesRow = new QHBoxLayout;
    m_dailyFrom->setPlaceholderText(QStringLiteral("HH:MM"));
    m_dailyTo->setPlaceholderText(QStringLiteral("HH:MM"));
    timesRow->addWidget(m_dailyFrom);
    timesRow->addWidget(new QLabel(QStringLiteral("–"), m_timesBox));
    timesRow->addWidget(m_dailyTo);
    timesRow->addStretch(1);
    auto *timesForm = new QFormLayout(m_timesBox);
    timesForm->setContentsMargins(20, 0, 0, 0);
    timesForm->addRow(tr("On:"), daysRow);
    timesForm->addRow(tr("From – until:"), timesRow);

    auto *dates = new QHBoxLayout;
    dates->addWidget(m_firstDay);
    dates->addWidget(new QLabel(tr("to"), this));
    dates->addWidget(m_lastDay);
    dates->addStretch(1);

    m_reason->setPlaceholderText(tr("Required: shown to the students whose bookings it covers"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMaximumHeight(70);

    auto *intro = new QLabel(tr("A closure refuses new bookings at once. The bookings it covers "
                                "are cancelled (and refunded) only when an admin confirms it."),
                             this);
    intro->setWordWrap(true);
    intro->setStyleSheet(QStringLiteral("color: #666"));
    auto *form = new QFormLayout;
    form->addRow(tr("Days:"), dates);
    auto *modeRow = new QHBoxLayout;
    modeRow->addWidget(m_wholeDays);
    modeRow->addWidget(m_timesOfDay);
    modeRow->addStretch(1);
    form->addRow(tr("Closed:"), modeRow);
    form->addRow(m_timesBox);
    form->addRow(tr("&Reason:"), m_reason);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &VenueClosureDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &VenueClosureDialog::reject);
    connect(m_timesOfDay, &QRadioButton::toggled, this, &VenueClosureDialog::validate);
    connect(m_firstDay, &QDateEdit::dateChanged, this, [this](const QDate &d) {
        if (m_lastDay->date() < d)
            m_lastDay->setDate(d);
        validate();
    });
    connect(m_lastDay, &QDateEdit::dateChanged, this, &VenueClosureDialog::validate);
    for (QLineEdit *e : {m_dailyFrom, m_dailyTo})
        connect(e, &QLineEdit::textChanged, this, &VenueClosureDialog::validate);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &VenueClosureDialog::validate);
    resize(520, sizeHint().height());
    validate();
    m_reason->setFocus();
}

ClosureForm VenueClosureDialog::form() const
{
    ClosureForm f;
    f.timesOfDay = m_timesOfDay->isChecked();
    f.firstDay = m_firstDay->date();
    f.lastDay = m_lastDay->date();
    for (int d = 1; d <= 7; ++d) {
        if (m_dayBoxes.at(d - 1)->isChecked())
            f.days.append(d);
    }
    f.dailyFrom = m_dailyFrom->text();
    f.dailyTo = m_dailyTo->text();
    f.reason = m_reason->toPlainText();
    return f;
}

ClosureCheck VenueClosureDialog::check() const
{
    return checkClosureForm(form(), m_offset, m_today);
}

bool VenueClosureDialog::isOkEnabled() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

void VenueClosureDialog::validate()
{
    m_timesBox->setEnabled(m_timesOfDay->isChecked());
    const QString problem = check().problem;
    m_hint->setStyleSheet(QStringLiteral("color: #c62828"));
    m_hint->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && !m_sending);
}

void VenueClosureDialog::accept()
{
    const ClosureCheck c = check();
    if (!c.input || m_sending)
        return;
    if (!m_submitter) {
        QDialog::accept();
        return;
    }
    m_sending = true;
    validate();
    m_hint->setStyleSheet(QStringLiteral("color: #666"));
    m_hint->setText(tr("Saving…"));
    m_submitter(*c.input, [this](const QString &error) {
        m_sending = false;
        if (error.isEmpty()) {
            QDialog::accept();
            return;
        }
        validate();
        m_hint->setText(error);
    });
}

} // namespace pomelo::console
