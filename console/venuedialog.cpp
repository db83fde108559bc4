#include "venuedialog.h"

#include "domain/money.h"
#include "format.h"
#include "venuesmodel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace pomelo::console {

int minutesOfTime(const QString &text, bool allowMidnightEnd)
{
    static const QRegularExpression re(QStringLiteral("^([01][0-9]|2[0-3]):([0-5][0-9])$"));
    if (allowMidnightEnd && text == QLatin1String("24:00"))
        return 24 * 60;
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch())
        return -1;
    return m.captured(1).toInt() * 60 + m.captured(2).toInt();
}

VenueCheck checkVenueForm(const VenueForm &form)
{
    const auto fail = [](const QString &problem) {
        return VenueCheck {std::nullopt, problem};
    };
    const QString name = form.name.trimmed();
    if (name.isEmpty())
        return fail(VenueDialog::tr("Enter the venue's name."));
    if (name.size() > MaxVenueNameLength)
        return fail(VenueDialog::tr("The name is too long (at most %1 characters).")
                        .arg(MaxVenueNameLength));
    if (form.sport.trimmed().isEmpty())
        return fail(VenueDialog::tr("Choose a sport."));
    const int from = minutesOfTime(form.openFrom.trimmed());
    if (from < 0)
        return fail(VenueDialog::tr("Opening time: enter HH:MM, e.g. 08:00."));
    const int to = minutesOfTime(form.openTo.trimmed(), true);
    if (to < 0)
        return fail(VenueDialog::tr("Closing time: enter HH:MM, e.g. 22:00 (or 24:00)."));
    if (from % MinSlotMinutes != 0 || to % MinSlotMinutes != 0)
        return fail(VenueDialog::tr("Opening and closing times must be on 5-minute steps."));
    if (from >= to)
        return fail(VenueDialog::tr("The venue must open before it closes."));
    if (form.slotMinutes < MinSlotMinutes || form.slotMinutes > MaxSlotMinutes
        || form.slotMinutes % MinSlotMinutes != 0)
        return fail(VenueDialog::tr("A slot lasts 5 to 240 minutes, in steps of 5."));
    if ((to - from) % form.slotMinutes != 0)
        return fail(VenueDialog::tr("%1 minutes of opening hours are not a whole number of "
                                    "%2-minute slots.")
                        .arg(to - from)
                        .arg(form.slotMinutes));
    const std::optional<qint64> cents = parseYuan(form.price);
    if (!cents)
        return fail(VenueDialog::tr("Price: enter yuan with at most two decimals, e.g. 20 or "
                                    "12.50 (at most %1).")
                        .arg(yuan(MaxAmount)));
    const QString reason = form.reason.trimmed();
    if (form.reasonRequired && reason.isEmpty())
        return fail(VenueDialog::tr("A reason is required."));
    if (reason.size() > MaxVenueReasonLength)
        return fail(VenueDialog::tr("The reason is too long (at most 500 characters)."));
    api::VenueInput input;
    input.name = name;
    input.sport = form.sport.trimmed();
    input.openFrom = form.openFrom.trimmed();
    input.openTo = form.openTo.trimmed();
    input.slotMinutes = form.slotMinutes;
    input.pricePerSlot = *cents;
    input.reason = reason;
    return {input, {}};
}

VenueDialog::VenueDialog(const std::optional<api::AdminVenue> &existing, QWidget *parent)
    : QDialog(parent)
    , m_editing(existing.has_value())
    , m_name(new QLineEdit(this))
    , m_sport(new QComboBox(this))
    , m_openFrom(new QLineEdit(QStringLiteral("08:00"), this))
    , m_openTo(new QLineEdit(QStringLiteral("22:00"), this))
    , m_slot(new QSpinBox(this))
    , m_price(new QLineEdit(this))
    , m_reason(new QPlainTextEdit(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(m_editing ? tr("Edit venue %1").arg(existing->name) : tr("Add venue"));
    for (const QString &sport : knownSports())
        m_sport->addItem(sportText(sport), sport);
    m_name->setMaxLength(MaxVenueNameLength);
    m_name->setPlaceholderText(tr("e.g. Badminton court 5"));
    m_openFrom->setPlaceholderText(QStringLiteral("HH:MM"));
    m_openTo->setPlaceholderText(QStringLiteral("HH:MM"));
    m_slot->setRange(MinSlotMinutes, MaxSlotMinutes);
    m_slot->setSingleStep(MinSlotMinutes);
    m_slot->setValue(60);
    m_slot->setSuffix(tr(" min"));
    m_price->setPlaceholderText(tr("Yuan, e.g. 20 or 12.50"));
    m_reason->setPlaceholderText(m_editing ? tr("Required: kept in the audit log")
                                           : tr("Optional"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMaximumHeight(70);
    if (existing) {
        m_name->setText(existing->name);
        int i = m_sport->findData(existing->sport);
        if (i < 0) {
            m_sport->addItem(sportText(existing->sport), existing->sport);
            i = m_sport->count() - 1;
        }
        m_sport->setCurrentIndex(i);
        m_openFrom->setText(existing->openFrom);
        m_openTo->setText(existing->openTo);
        m_slot->setValue(existing->slotMinutes);
        m_price->setText(formatYuan(existing->pricePerSlot));
    }

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Sport:"), m_sport);
    auto *hours = new QHBoxLayout;
    hours->addWidget(m_openFrom);
    hours->addWidget(new QLabel(QStringLiteral("–"), this));
    hours->addWidget(m_openTo);
    form->addRow(tr("Opening &hours:"), hours);
    form->addRow(tr("S&lot length:"), m_slot);
    form->addRow(tr("&Price per slot (¥):"), m_price);
    form->addRow(tr("&Reason:"), m_reason);
    auto *layout = new QVBoxLayout(this);
    if (m_editing) {
        auto *note = new QLabel(tr("Bookings already made keep their times and price: new "
                                   "hours, slot length and price apply to new bookings."),
                                this);
        note->setWordWrap(true);
        note->setStyleSheet(QStringLiteral("color: #666"));
        layout->addWidget(note);
    }
    layout->addLayout(form);
    m_hint->setStyleSheet(QStringLiteral("color: #c62828"));
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &VenueDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &VenueDialog::reject);
    for (QLineEdit *e : {m_name, m_openFrom, m_openTo, m_price})
        connect(e, &QLineEdit::textChanged, this, &VenueDialog::validate);
    connect(m_sport, &QComboBox::currentIndexChanged, this, &VenueDialog::validate);
    connect(m_slot, &QSpinBox::valueChanged, this, &VenueDialog::validate);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &VenueDialog::validate);
    resize(440, sizeHint().height());
    validate();
    m_name->setFocus();
}

VenueForm VenueDialog::form() const
{
    return {m_name->text(),          m_sport->currentData().toString(),
            m_openFrom->text(),      m_openTo->text(),
            m_slot->value(),         m_price->text(),
            m_reason->toPlainText(), m_editing};
}

QString VenueDialog::problem() const
{
    return check().problem;
}

bool VenueDialog::isOkEnabled() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

void VenueDialog::validate()
{
    const QString problem = check().problem;
    m_hint->setStyleSheet(QStringLiteral("color: #c62828"));
    m_hint->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && !m_sending);
}

void VenueDialog::accept()
{
    const VenueCheck c = check();
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
