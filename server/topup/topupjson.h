#pragma once

#include "storage/topuprepository.h"

#include <QJsonObject>
#include <QTimeZone>

namespace pomelo {

/// A top-up as the student API shows it (API.md "Utility top-up API").
QJsonObject topupJson(const Topup &topup, const QTimeZone &zone);
/// A top-up as the admin API shows it: topupJson() plus delivery details (attempts, last error,
/// next attempt) and the user id.
QJsonObject topupAdminJson(const Topup &topup, const QTimeZone &zone);
QJsonObject topupEventJson(const TopupEvent &event, const QTimeZone &zone);

} // namespace pomelo
