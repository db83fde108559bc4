#include "tableview.h"

#include "rowtablemodel.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QKeySequence>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>

namespace pomelo::console {

TableView::TableView(QAbstractItemModel *model, QWidget *parent)
    : QTableView(parent)
    , m_proxy(new QSortFilterProxyModel(this))
{
    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setDynamicSortFilter(true);
    setModel(m_proxy);
    setSortingEnabled(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    horizontalHeader()->setDefaultSectionSize(120);
    setContextMenuPolicy(Qt::DefaultContextMenu);
}

void TableView::setFilterEdit(QLineEdit *edit)
{
    edit->setClearButtonEnabled(true);
    connect(edit, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
}

QList<int> TableView::selectedSourceRows() const
{
    QList<int> rows;
    const QModelIndexList selected = selectionModel()->selectedRows();
    for (const QModelIndex &i : selected)
        rows.append(m_proxy->mapToSource(i).row());
    return rows;
}

int TableView::currentSourceRow() const
{
    const QModelIndex i = currentIndex();
    return i.isValid() ? m_proxy->mapToSource(i).row() : -1;
}

void TableView::setStateKey(const QString &key)
{
    m_stateKey = key;
    const QByteArray state = QSettings().value(QStringLiteral("tables/") + key).toByteArray();
    if (!state.isEmpty())
        horizontalHeader()->restoreState(state);
}

void TableView::hideEvent(QHideEvent *event)
{
    if (!m_stateKey.isEmpty())
        QSettings().setValue(QStringLiteral("tables/") + m_stateKey,
                             horizontalHeader()->saveState());
    QTableView::hideEvent(event);
}

void TableView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    const QList<QAction *> own = actions();
    for (QAction *a : own)
        menu.addAction(a);
    if (!own.isEmpty())
        menu.addSeparator();
    QAction *copy = menu.addAction(tr("&Copy"), this, &TableView::copySelection);
    copy->setShortcut(QKeySequence::Copy);
    copy->setEnabled(selectionModel()->hasSelection());
    menu.exec(event->globalPos());
}

void TableView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        return;
    }
    QTableView::keyPressEvent(event);
}

void TableView::copySelection()
{
    QModelIndexList rows = selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList lines;
    for (const QModelIndex &r : std::as_const(rows)) {
        QStringList cells;
        for (int c = 0; c < m_proxy->columnCount(); ++c) {
            if (!isColumnHidden(c))
                cells.append(m_proxy->index(r.row(), c).data().toString());
        }
        lines.append(cells.join(QLatin1Char('\t')));
    }
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
}

} // namespace pomelo::console
