#pragma once

// Adding a closure to a venue: whole days of a date range, or a time range on given weekdays of
// a date range (every Wednesday 14:00–16:00 this term). The checks are a pure function.

#include "api/admintypes.h"

#include <QDate>
#include <QDialog>

#include <functional>
#include <optional>

class QButtonGroup;
class QCheckBox;
class QDateEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QRadioButton;

namespace pomelo::console {

/// What an operator typed into the closure form.
struct ClosureForm
{
    bool timesOfDay = false; ///< false: whole days from firstDay to lastDay
    QDate firstDay;
    QDate lastDay; ///< inclusive
    QList<int> days; ///< ISO weekdays checked (times of day only)
    QString dailyFrom; ///< HH:MM (times of day only)
    QString dailyTo; ///< HH:MM or 24:00
    QString reason;
};

struct ClosureCheck
{
    std::optional<api::ClosureInput> input;
    QString problem;
};

/// The server keeps a closure's reason (shown to students) to 200 characters.
inline constexpr int MaxClosureReasonLength = 200;
/// And a closure to 366 days.
inline constexpr int MaxClosureDays = 366;

/// Checks @p form and turns it into the API's closure: `from` is the first day's midnight and
/// `to` the midnight after the last day, written with @p utcOffsetSeconds (the server's zone);
/// `days` is left empty when every weekday is checked. A reason is required (the students read
/// it), the range must not have ended before @p today.
ClosureCheck checkClosureForm(const ClosureForm &form, int utcOffsetSeconds, const QDate &today);

/// The server's offset from UTC, read from one of its RFC 3339 times (e.g. a venue's
/// createdAt); the console's own when there is none.
int serverUtcOffset(const QString &rfc3339);

class VenueClosureDialog : public QDialog
{
    Q_OBJECT

public:
    /// Sends @p input; calls @p done with an empty string on success, or the error to show.
    using Submitter =
        std::function<void(const api::ClosureInput &input, std::function<void(QString)> done)>;

    VenueClosureDialog(const api::AdminVenue &venue, const QDate &today, QWidget *parent = nullptr);

    void setSubmitter(Submitter submitter) { m_submitter = std::move(submitter); }
    ClosureForm form() const;
    ClosureCheck check() const;
    bool isOkEnabled() const;

    QRadioButton *wholeDaysButton() const { return m_wholeDays; }
    QRadioButton *timesOfDayButton() const { return m_timesOfDay; }
    QDateEdit *firstDayEdit() const { return m_firstDay; }
    QDateEdit *lastDayEdit() const { return m_lastDay; }
    /// Monday first.
    QCheckBox *dayBox(int isoWeekday) const { return m_dayBoxes.at(isoWeekday - 1); }
    QLineEdit *dailyFromEdit() const { return m_dailyFrom; }
    QLineEdit *dailyToEdit() const { return m_dailyTo; }
    QPlainTextEdit *reasonEdit() const { return m_reason; }

    void accept() override;

private:
    void validate();

    int m_offset;
    QDate m_today;
    QRadioButton *m_wholeDays;
    QRadioButton *m_timesOfDay;
    QDateEdit *m_firstDay;
    QDateEdit *m_lastDay;
    QList<QCheckBox *> m_dayBoxes;
    QLineEdit *m_dailyFrom;
    QLineEdit *m_dailyTo;
    QWidget *m_timesBox;
    QPlainTextEdit *m_reason;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
    Submitter m_submitter;
    bool m_sending = false;
};

} // namespace pomelo::console
