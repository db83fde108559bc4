#include "adminroutes_p.h"
#include "http/router.h"
#include "pay/paymodule.h"
#include "storage/orderrepository.h"
#include "telemetry/logging.h"
#include "workers/merchantnotifier.h"
#include "workers/workersmodule.h"

#include <QJsonDocument>

namespace pomelo::admin {

void AdminRoutes::add(const char *method, const char *path, StaffRole role, Handler handler) const
{
    router->add(method, QString::fromLatin1(path),
                role == StaffRole::Admin ? Access::admin() : Access::staff(),
                Router::as<StaffPrincipal>(std::move(handler)));
}

PayService &AdminRoutes::payService() const
{
    if (!pay)
        throw Error(ErrorCode::FeatureDisabled, QStringLiteral("pay module not running"));
    return pay->service();
}

void AdminRoutes::wakeNotifier() const
{
    if (workers)
        workers->notifier().wake();
}

PayOrder AdminRoutes::findOrder(qint64 id) const
{
    const std::optional<PayOrder> order = OrderRepository(ctx->db).find(id);
    if (!order)
        throw Error(ErrorCode::OrderNotFound, QStringLiteral("no order %1").arg(id));
    return *order;
}

void appendAudit(Database &db, AuditEntry entry, const QJsonObject &details)
{
    entry.details = QJsonDocument(details).toJson(QJsonDocument::Compact);
    try {
        AuditRepository(db).append(entry);
    } catch (const Error &e) {
        qCCritical(lcApp).noquote() << "audit entry lost:" << entry.action << entry.target << "by"
                                    << entry.actor << ":" << e.detail();
    }
}

Audited::Audited(Database &db, const StaffPrincipal &who, const HttpRequest &r, QString action,
                 QString target, QString reason)
    : m_db(db)
{
    m_entry.actor = who.username;
    m_entry.action = std::move(action);
    m_entry.target = std::move(target);
    m_entry.reason = std::move(reason);
    m_entry.remoteAddress = r.clientAddress.toString();
    m_details.insert(QStringLiteral("traceId"), r.traceId);
}

void Audited::write()
{
    appendAudit(m_db, m_entry, m_details);
}

} // namespace pomelo::admin
