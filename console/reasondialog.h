#pragma once

#include <QDialog>

#include <optional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QDialogButtonBox;

namespace pomelo::console {

/// Asks why an intervention is made (the audit log keeps it) and, for a refund, how much.
/// Accepting asks once more for confirmation, naming the target and the amount.
class ReasonDialog : public QDialog
{
    Q_OBJECT

public:
    struct Request
    {
        QString title;
        QString description; ///< what will happen, naming the order and its amount
        QString confirmation; ///< the question of the confirmation box; empty: none
        bool reasonRequired = true;
        std::optional<qint64> maxRefundCents; ///< set: ask for a refund amount up to this
    };

    ReasonDialog(const Request &request, QWidget *parent = nullptr);

    QString reason() const;
    /// The refund amount in cents (only with maxRefundCents).
    qint64 refundCents() const { return m_refundCents; }

    /// Shows the dialog; false when cancelled.
    static bool ask(QWidget *parent, const Request &request, QString *reason,
                    qint64 *refundCents = nullptr);

    void accept() override;

private:
    void validate();

    Request m_request;
    QLineEdit *m_amount = nullptr;
    QPlainTextEdit *m_reason;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
    qint64 m_refundCents = 0;
};

} // namespace pomelo::console
