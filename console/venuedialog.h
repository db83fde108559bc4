#pragma once

// Adding and editing a venue: the form, its checks (pure functions, tested on their own), and a
// dialog that sends the venue itself and stays open with the server's message when refused.

#include "api/admintypes.h"

#include <QDialog>

#include <functional>
#include <optional>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace pomelo::console {

/// Minutes after midnight of "HH:MM" (00:00–23:59, and 24:00 when @p allowMidnightEnd), or -1.
int minutesOfTime(const QString &text, bool allowMidnightEnd = false);

/// What an operator typed into the venue form.
struct VenueForm
{
    QString name;
    QString sport;
    QString openFrom;
    QString openTo;
    int slotMinutes = 60;
    QString price; ///< yuan, at most two decimals
    QString reason;
    bool reasonRequired = false;
};

/// The venue of a form, or the first problem with it (translated).
struct VenueCheck
{
    std::optional<api::VenueInput> input;
    QString problem;
};

inline constexpr int MinSlotMinutes = 5;
inline constexpr int MaxSlotMinutes = 240;
inline constexpr int MaxVenueNameLength = 64;
inline constexpr int MaxVenueReasonLength = 500;

/// Checks @p form: a name, a sport, HH:MM times on the 5-minute grid with opening before closing
/// (closing may be 24:00), a slot length of 5–240 minutes (a multiple of 5) that divides the
/// opening span, and a price in yuan with at most two decimals — turned into integer cents
/// without floating point (parseYuan).
VenueCheck checkVenueForm(const VenueForm &form);

/// Add or edit a venue. OK is enabled only for a valid form; accepting calls the submitter with the
/// venue, and the dialog closes when the submitter reports success — on a refusal it stays open
/// with the server's message, the operator's input intact.
class VenueDialog : public QDialog
{
    Q_OBJECT

public:
    /// Sends @p input; calls @p done with an empty string on success, or the error to show.
    using Submitter =
        std::function<void(const api::VenueInput &input, std::function<void(QString)> done)>;

    /// A new venue (no @p existing), or an edit of @p existing (a reason is then required).
    explicit VenueDialog(const std::optional<api::AdminVenue> &existing, QWidget *parent = nullptr);

    void setSubmitter(Submitter submitter) { m_submitter = std::move(submitter); }
    VenueForm form() const;
    /// The checked venue (valid only when problem() is empty).
    VenueCheck check() const { return checkVenueForm(form()); }
    QString problem() const;
    bool isOkEnabled() const;

    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *sportBox() const { return m_sport; }
    QLineEdit *openFromEdit() const { return m_openFrom; }
    QLineEdit *openToEdit() const { return m_openTo; }
    QSpinBox *slotBox() const { return m_slot; }
    QLineEdit *priceEdit() const { return m_price; }
    QPlainTextEdit *reasonEdit() const { return m_reason; }

    void accept() override;

private:
    void validate();

    bool m_editing;
    QLineEdit *m_name;
    QComboBox *m_sport;
    QLineEdit *m_openFrom;
    QLineEdit *m_openTo;
    QSpinBox *m_slot;
    QLineEdit *m_price;
    QPlainTextEdit *m_reason;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
    Submitter m_submitter;
    bool m_sending = false;
};

} // namespace pomelo::console
