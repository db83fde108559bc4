#pragma once

#include "opsviews.h"

#include <QDate>

#include <functional>

class QAction;
class QCheckBox;
class QGroupBox;
class QLineEdit;

namespace pomelo::console {

class ClosuresModel;
class TableView;
class VenueActiveFilter;
class VenuesModel;

/// Venues (staff and admins): the table of venues with a quick filter, add / edit / take out of
/// service; below, the closures of the selected venue: add, delete, and for admins confirm —
/// which cancels and refunds the bookings the closure covers, after showing them and asking why.
/// Changes of anyone arrive through the live feed (`venue-event`); it also polls while shown.
class VenuesView : public PollingView
{
    Q_OBJECT

public:
    explicit VenuesView(api::AdminClient *client, QWidget *parent = nullptr);

    void refresh() override;
    VenuesModel *model() const { return m_model; }
    VenueActiveFilter *activeFilter() const { return m_filter; }
    ClosuresModel *closures() const { return m_closures; }
    TableView *table() const { return m_table; }
    TableView *closureTable() const { return m_closureTable; }
    QLineEdit *filterEdit() const { return m_filterEdit; }
    QAction *addVenueAction() const { return m_add; }
    QAction *editAction() const { return m_edit; }
    QAction *toggleActiveAction() const { return m_toggleActive; }
    QAction *addClosureAction() const { return m_addClosure; }
    QAction *deleteClosureAction() const { return m_deleteClosure; }
    QAction *confirmClosureAction() const { return m_confirmClosure; }
    QString statusText() const;
    /// Selects the venue @p id when it is loaded and shown.
    bool selectVenue(qint64 id);
    bool selectClosure(qint64 id);
    /// The selected venue's id, or 0.
    qint64 currentVenueId() const;
    /// "Today" of the closure dialog (tests set a fixed day).
    void setToday(std::function<QDate()> today) { m_today = std::move(today); }

private:
    QWidget *createVenuesPane();
    QGroupBox *createClosuresPane();
    QAction *newAction(const QString &text, const QKeySequence &shortcut, QWidget *owner,
                       void (VenuesView::*slot)());
    void connectModels();
    void followLive();
    const api::AdminVenue *currentVenue() const;
    const api::VenueClosure *currentClosure() const;
    void venueChanged();
    void updateActions();
    void addVenue();
    void editVenue();
    void toggleActive();
    void addClosure();
    void deleteClosure();
    void confirmClosure();
    void askConfirmation(const api::AdminVenue &venue, const api::ClosureDetail &detail);
    void actionFailed(const api::ApiError &error);

    api::AdminClient *m_client;
    VenuesModel *m_model;
    VenueActiveFilter *m_filter;
    TableView *m_table;
    QLineEdit *m_filterEdit;
    QCheckBox *m_showInactive;
    ClosuresModel *m_closures;
    TableView *m_closureTable;
    QCheckBox *m_showPast;
    QGroupBox *m_closuresBox;
    QAction *m_add;
    QAction *m_edit;
    QAction *m_toggleActive;
    QAction *m_addClosure;
    QAction *m_deleteClosure;
    QAction *m_confirmClosure;
    QTimer *m_liveDebounce;
    std::function<QDate()> m_today;
    qint64 m_shownVenue = 0;
};

/// The error of an action for a message box: the server's message, its code and trace id.
QString apiErrorText(const api::ApiError &error);

} // namespace pomelo::console
