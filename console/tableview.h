#pragma once

#include <QSortFilterProxyModel>
#include <QTableView>

class QLineEdit;

namespace pomelo::console {

/// A sortable, filterable table the way every console view shows one: a proxy that sorts by
/// SortRole and filters every column on the text of a quick-filter line edit, row selection,
/// alternating rows, a context menu of the view's actions, Ctrl+C copying the selected rows.
class TableView : public QTableView
{
    Q_OBJECT

public:
    explicit TableView(QAbstractItemModel *model, QWidget *parent = nullptr);

    QSortFilterProxyModel *proxy() const { return m_proxy; }
    /// Binds a quick-filter line edit (case-insensitive, any column).
    void setFilterEdit(QLineEdit *edit);
    /// Source rows of the selection, in view order.
    QList<int> selectedSourceRows() const;
    /// Source row of the current index, or -1.
    int currentSourceRow() const;
    /// Restores/saves column widths and sort order under @p key in QSettings.
    void setStateKey(const QString &key);

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void copySelection();

    QSortFilterProxyModel *m_proxy;
    QString m_stateKey;
};

} // namespace pomelo::console
