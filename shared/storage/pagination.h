#pragma once

#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace pomelo {

/// Position in a keyset-paginated list ordered newest first by (key, id): the last row of the
/// previous page. `key` is the row's time column (created_at, at).
struct PageCursor
{
    qint64 key = 0;
    qint64 id = 0;

    /// An opaque token for APIs (base64url).
    QString toToken() const;
    /// nullopt when @p token is not one of toToken().
    static std::optional<PageCursor> fromToken(QStringView token);

    friend bool operator==(const PageCursor &, const PageCursor &) = default;
};

/// One page: the rows, and the cursor of the next page when there are more rows.
template<typename T> struct Page
{
    QList<T> items;
    std::optional<PageCursor> next;
};

/// Page sizes are clamped to 1..MaxPageSize.
inline constexpr int MaxPageSize = 500;

} // namespace pomelo
