#pragma once

// Display helpers of the console: translated state names, their colours, money.

#include <QColor>
#include <QString>

#include <optional>

namespace pomelo::console {

/// "¥12.34" from integer cents (shared/domain/money.h: no floating point anywhere).
QString yuan(qint64 cents);
/// Cents from what an operator typed in yuan ("12", "12.3", "12.34", "¥12.34"); nullopt for
/// anything else (negative, more than two decimals, letters). Pure string arithmetic.
std::optional<qint64> parseYuan(const QString &text);

/// Translated name of an order status (INIT, PAYING, PAID, …).
QString orderStatusText(const QString &status);
QColor orderStatusColor(const QString &status);
/// Translated name of a venue slot state (FREE, HELD, BOOKED, CHECKED_IN).
QString slotStateText(const QString &state);
QColor slotStateColor(const QString &state);
/// Translated name of a booking status.
QString bookingStatusText(const QString &status);
/// Translated name of a merchant notification state (PENDING, DELIVERED, FAILED).
QString notificationStateText(const QString &state);
QString channelText(const QString &channel);
/// Translated audit action ("order.close" → "关闭订单").
QString auditActionText(const QString &action);

/// The order statuses in flow order.
QStringList orderStatuses();

} // namespace pomelo::console
