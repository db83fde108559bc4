#include "reasondialog.h"

#include "domain/money.h"
#include "format.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace pomelo::console {

ReasonDialog::ReasonDialog(const Request &request, QWidget *parent)
    : QDialog(parent)
    , m_request(request)
    , m_reason(new QPlainTextEdit(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(request.title);
    auto *layout = new QVBoxLayout(this);
    auto *description = new QLabel(request.description, this);
    description->setWordWrap(true);
    description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(description);
    auto *form = new QFormLayout;
    if (request.maxRefundCents) {
        m_amount = new QLineEdit(formatYuan(*request.maxRefundCents), this);
        m_amount->setPlaceholderText(tr("Amount in yuan, e.g. 12.50"));
        form->addRow(tr("Refund amount (¥, at most %1):").arg(yuan(*request.maxRefundCents)),
                     m_amount);
        connect(m_amount, &QLineEdit::textChanged, this, &ReasonDialog::validate);
    }
    m_reason->setPlaceholderText(request.reasonRequired ? tr("Required: kept in the audit log")
                                                        : tr("Optional"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMinimumHeight(80);
    form->addRow(tr("Reason:"), m_reason);
    layout->addLayout(form);
    m_hint->setStyleSheet(QStringLiteral("color: #c62828"));
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ReasonDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ReasonDialog::reject);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &ReasonDialog::validate);
    resize(480, sizeHint().height());
    validate();
    m_reason->setFocus();
}

QString ReasonDialog::reason() const
{
    return m_reason->toPlainText().trimmed();
}

void ReasonDialog::validate()
{
    QString problem;
    if (m_amount) {
        const std::optional<qint64> cents = parseYuan(m_amount->text());
        if (!cents)
            problem = tr("Enter an amount in yuan with at most two decimals.");
        else if (*cents > *m_request.maxRefundCents)
            problem = tr("At most %1 can be refunded.").arg(yuan(*m_request.maxRefundCents));
        else
            m_refundCents = *cents;
    }
    if (problem.isEmpty() && m_request.reasonRequired && reason().isEmpty())
        problem = tr("A reason is required.");
    if (problem.isEmpty() && reason().size() > 500)
        problem = tr("The reason is too long (at most 500 characters).");
    m_hint->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

void ReasonDialog::accept()
{
    if (!m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
        return;
    if (!m_request.confirmation.isEmpty()) {
        QString question = m_request.confirmation;
        if (m_amount)
            question += QLatin1Char('\n') + tr("Refund amount: %1").arg(yuan(m_refundCents));
        if (!reason().isEmpty())
            question += QLatin1Char('\n') + tr("Reason: %1").arg(reason());
        if (QMessageBox::question(this, m_request.title, question,
                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
            != QMessageBox::Yes)
            return;
    }
    QDialog::accept();
}

bool ReasonDialog::ask(QWidget *parent, const Request &request, QString *reason,
                       qint64 *refundCents)
{
    ReasonDialog dialog(request, parent);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    if (reason)
        *reason = dialog.reason();
    if (refundCents)
        *refundCents = dialog.refundCents();
    return true;
}

} // namespace pomelo::console
