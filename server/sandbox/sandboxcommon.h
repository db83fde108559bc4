#pragma once

#include "http/httptypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

/// What the simulated channels (e-card, WeChat Pay) share beside their store and notifier.
namespace pomelo::sandbox {

qint64 nowSeconds();
qint64 nowMs();

/// @p body as a JSON object; nullopt when it is not one.
std::optional<QJsonObject> jsonObjectBody(const QByteArray &body);

/// The answer of a control route (simulate/…): compact JSON, unsigned.
HttpResponse controlAnswer(int status, const QJsonObject &body);

/// Beijing time as yyyyMMddHHmmss: how both channels' serial numbers start.
QString beijingSerialTime();
/// @p count random decimal digits.
QString randomDigits(int count);
/// @p name in the sandbox's state directory @p dir; empty when the sandbox keeps no state.
QString inStateDir(const QString &dir, const char *name);

/// Delivery state of a notification, as the control routes show it.
enum class NoticeState { Pending, Delivered, Failed };

QString noticeStateName(NoticeState state);
/// Anything unknown is Pending: a notification is rather sent once more than never.
NoticeState noticeStateFromName(const QString &name);

} // namespace pomelo::sandbox
