#pragma once

// Answering the console's modal dialogs from a test (the reason dialog, confirmations, result
// boxes), shared by the console's e2e tests.
#include "reasondialog.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDeadlineTimer>
#include <QDialogButtonBox>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <functional>

namespace pomelo::test {

/// Answers the modal dialogs of a console action as they open, one step per dialog, in order
/// (a step fills the dialog and presses its button through a queued call, so that the dialog's
/// exec() does not run inside this timer's slot). Gives up at its deadline, rejecting what is open.
class DialogSteps : public QObject
{
public:
    using Step = std::function<void(QWidget *)>;

    explicit DialogSteps(QList<Step> steps, int timeoutMs = 20000)
        : m_steps(std::move(steps))
        , m_deadline(timeoutMs)
    {
        connect(&m_timer, &QTimer::timeout, this, &DialogSteps::poll);
        m_timer.start(10);
    }

    int handled = 0;
    bool timedOut = false;
    QStringList texts; ///< the text of each message box

    static void clickLater(QAbstractButton *button)
    {
        QMetaObject::invokeMethod(button, &QAbstractButton::click, Qt::QueuedConnection);
    }

private:
    void poll()
    {
        QWidget *modal = QApplication::activeModalWidget();
        if (m_deadline.hasExpired()) {
            timedOut = true;
            if (auto *dialog = qobject_cast<QDialog *>(modal))
                QMetaObject::invokeMethod(dialog, &QDialog::reject, Qt::QueuedConnection);
            return;
        }
        // Each dialog gets one step: a reason dialog is active again for a moment after its
        // confirmation box closes, and must not take the next step.
        if (!modal || handled >= m_steps.size()
            || std::any_of(m_handled.cbegin(), m_handled.cend(),
                           [modal](const QPointer<QWidget> &w) { return w == modal; }))
            return;
        m_handled.append(modal);
        if (auto *box = qobject_cast<QMessageBox *>(modal))
            texts.append(box->text());
        m_steps.at(handled++)(modal);
    }

    QList<Step> m_steps;
    QDeadlineTimer m_deadline;
    QTimer m_timer;
    QList<QPointer<QWidget>> m_handled; ///< guarded: a deleted dialog's address may come back
};

inline DialogSteps::Step reasonStep(const QString &reason, QString *description = nullptr)
{
    return [reason, description](QWidget *w) {
        auto *dialog = qobject_cast<console::ReasonDialog *>(w);
        QVERIFY2(dialog, w->metaObject()->className());
        if (description) {
            for (const QLabel *l : dialog->findChildren<QLabel *>())
                *description += l->text() + QLatin1Char('\n');
        }
        dialog->findChild<QPlainTextEdit *>()->setPlainText(reason);
        DialogSteps::clickLater(
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok));
    };
}

/// Presses @p button of a message box (Yes of a confirmation, Ok of a result).
inline DialogSteps::Step boxStep(QMessageBox::StandardButton button)
{
    return [button](QWidget *w) {
        auto *box = qobject_cast<QMessageBox *>(w);
        QVERIFY2(box, w->metaObject()->className());
        DialogSteps::clickLater(box->button(button));
    };
}

/// Presses Yes of a confirmation.
inline DialogSteps::Step yesStep()
{
    return boxStep(QMessageBox::Yes);
}

} // namespace pomelo::test
