#pragma once

// Internal to shared/storage: reading order_events rows (OrderRepository and OutboxRepository).

#include "orderrepository.h"
#include "sql_p.h"

namespace pomelo::storage_detail {

/// The columns orderEventFrom() reads: order_events as `e` joined with pay_orders as `o`.
extern const QString OrderEventColumns;
OrderEvent orderEventFrom(const Statement &st);

} // namespace pomelo::storage_detail
