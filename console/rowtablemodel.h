#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

#include <functional>

namespace pomelo::console {

/// Role whose value tables sort by (numbers stay numbers).
inline constexpr int SortRole = Qt::UserRole;
/// Role of a row's key (an id), for actions on the selected rows.
inline constexpr int KeyRole = Qt::UserRole + 1;

/// A table of plain structs described by columns. Refreshing merges by key: rows that stay keep
/// their place (and the view its selection), changed cells emit dataChanged, gone rows are
/// removed, new ones appended — a polled table does not flicker or lose the operator's place.
template<typename T> class RowTableModel : public QAbstractTableModel
{
public:
    struct Column
    {
        using Fn = std::function<QVariant(const T &)>;
        Column(QString h, Fn d, Fn s = Fn(), Qt::Alignment a = Qt::AlignLeft | Qt::AlignVCenter,
               Fn fg = Fn())
            : header(std::move(h))
            , display(std::move(d))
            , sort(std::move(s))
            , alignment(a)
            , foreground(std::move(fg))
        { }
        QString header;
        Fn display;
        Fn sort; ///< display when unset
        Qt::Alignment alignment;
        Fn foreground;
    };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
    }
    QVariant headerData(int section, Qt::Orientation o, int role) const override
    {
        if (o == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
            && section < m_columns.size())
            return m_columns.at(section).header;
        return QAbstractTableModel::headerData(section, o, role);
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= m_columns.size())
            return {};
        const T &row = m_rows.at(index.row());
        const Column &c = m_columns.at(index.column());
        switch (role) {
        case Qt::DisplayRole:
        case Qt::ToolTipRole:
            return c.display(row);
        case SortRole:
            return c.sort ? c.sort(row) : c.display(row);
        case KeyRole:
            return m_key(row);
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(c.alignment);
        case Qt::ForegroundRole:
            return c.foreground ? c.foreground(row) : QVariant();
        default:
            return {};
        }
    }

    const QList<T> &rows() const { return m_rows; }
    const T &rowAt(int row) const { return m_rows.at(row); }
    int rowOfKey(const QString &key) const { return m_index.value(key, -1); }

    /// Replaces the rows, merging by key (see the class comment).
    void setRows(const QList<T> &rows)
    {
        QHash<QString, int> incoming;
        for (int i = 0; i < rows.size(); ++i)
            incoming.insert(m_key(rows.at(i)), i);
        for (int i = static_cast<int>(m_rows.size()) - 1; i >= 0; --i) {
            if (!incoming.contains(m_key(m_rows.at(i)))) {
                beginRemoveRows({}, i, i);
                m_rows.removeAt(i);
                endRemoveRows();
            }
        }
        reindex();
        QList<T> added;
        for (const T &r : rows) {
            const int at = m_index.value(m_key(r), -1);
            if (at < 0) {
                added.append(r);
                continue;
            }
            m_rows[at] = r;
            emit dataChanged(index(at, 0), index(at, columnCount() - 1));
        }
        if (!added.isEmpty()) {
            const int first = static_cast<int>(m_rows.size());
            beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
            m_rows.append(added);
            endInsertRows();
            reindex();
        }
    }

    /// Updates the row of @p row's key, or inserts it at the top.
    void upsert(const T &row)
    {
        const int at = rowOfKey(m_key(row));
        if (at >= 0) {
            m_rows[at] = row;
            emit dataChanged(index(at, 0), index(at, columnCount() - 1));
            return;
        }
        beginInsertRows({}, 0, 0);
        m_rows.prepend(row);
        endInsertRows();
        reindex();
    }

    void appendRows(const QList<T> &rows)
    {
        QList<T> fresh;
        for (const T &r : rows) {
            if (!m_index.contains(m_key(r)))
                fresh.append(r);
        }
        if (fresh.isEmpty())
            return;
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
        m_rows.append(fresh);
        endInsertRows();
        reindex();
    }

    void clear()
    {
        beginResetModel();
        m_rows.clear();
        m_index.clear();
        endResetModel();
    }

protected:
    void setColumns(QList<Column> columns, std::function<QString(const T &)> key)
    {
        beginResetModel();
        m_columns = std::move(columns);
        m_key = std::move(key);
        endResetModel();
    }

private:
    void reindex()
    {
        m_index.clear();
        for (int i = 0; i < m_rows.size(); ++i)
            m_index.insert(m_key(m_rows.at(i)), i);
    }

    QList<Column> m_columns;
    std::function<QString(const T &)> m_key;
    QList<T> m_rows;
    QHash<QString, int> m_index;
};

} // namespace pomelo::console
