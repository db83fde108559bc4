#include "paymentexceptionroutes.h"

#include "adminauth.h"
#include "adminjson.h"
#include "adminrequest.h"
#include "adminroutes_p.h"
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "http/jsonbody.h"
#include "http/router.h"
#include "pay/paymodule.h"
#include "storage/auditrepository.h"
#include "storage/paymentexceptionrepository.h"
#include "telemetry/logging.h"

#include <QJsonDocument>

namespace pomelo {

using admin::cursorParam;
using admin::limitParam;
using admin::queryValue;
using admin::requiredReason;

namespace {

/// Unknown and malformed ids are both "not found": an id is never a parameter error.
qint64 exceptionIdParam(const HttpRequest &r)
{
    return snowflakeOr(r.pathParams.value(QStringLiteral("id")), ErrorCode::NotFound);
}

std::optional<PaymentExceptionState> stateParam(const HttpRequest &r)
{
    if (!r.query.hasQueryItem(QStringLiteral("state")))
        return std::nullopt;
    const auto state = paymentExceptionStateFromName(queryValue(r, QStringLiteral("state")));
    if (!state)
        throw Error(ErrorCode::InvalidParameter, QStringLiteral("unknown state"));
    return state;
}

/// A resolution that did not happen is audited too, like every refused intervention of the admin
/// module (the service writes the entry of one that did, in its own transaction).
void auditRefusal(Database &db, const StaffPrincipal &who, const HttpRequest &r, qint64 id,
                  const QString &reason, const Error &error)
{
    AuditEntry entry;
    entry.actor = who.username;
    entry.action = QStringLiteral("payment_exception.resolve");
    entry.target = QStringLiteral("payment_exception:") + snowflakeToString(id);
    entry.reason = reason;
    entry.remoteAddress = r.clientAddress.toString();
    admin::appendAudit(db, entry,
                       QJsonObject {{QStringLiteral("traceId"), r.traceId},
                                    {QStringLiteral("outcome"), QStringLiteral("error")},
                                    {QStringLiteral("code"), int(error.code())}});
}

} // namespace

void registerPaymentExceptionRoutes(const admin::AdminRoutes &routes)
{
    const ServerContext *ctx = routes.ctx;
    PayModule *pay = routes.pay;
    const auto route = [&routes](const char *method, const char *path, admin::Handler handler) {
        routes.add(method, path, StaffRole::Admin, std::move(handler));
    };

    route("GET", "/admin/v1/payment-exceptions",
          [ctx](const HttpRequest &r, const StaffPrincipal &) {
              const Page<PaymentException> page = PaymentExceptionRepository(ctx->db).list(
                  stateParam(r), cursorParam(r), limitParam(r));
              const auto item = [ctx](const PaymentException &e) {
                  return admin::toApi(e, ctx->zone);
              };
              return HttpResponse::json(200, admin::toApiPage(page, item).toJson());
          });

    route("GET", "/admin/v1/payment-exceptions/{id}",
          [ctx](const HttpRequest &r, const StaffPrincipal &) {
              const std::optional<PaymentException> e =
                  PaymentExceptionRepository(ctx->db).find(exceptionIdParam(r));
              if (!e)
                  throw Error(ErrorCode::NotFound, QStringLiteral("no payment exception"));
              return HttpResponse::json(200, admin::toApi(*e, ctx->zone).toJson());
          });

    route("POST", "/admin/v1/payment-exceptions/{id}/resolve",
          [ctx, pay](const HttpRequest &r, const StaffPrincipal &who) {
              const qint64 id = exceptionIdParam(r);
              const QString reason = requiredReason(parseJsonObject(r), r);
              try {
                  if (!pay)
                      throw Error(ErrorCode::FeatureDisabled,
                                  QStringLiteral("pay module not running"));
                  const std::optional<PaymentException> after = pay->service().exceptions().resolve(
                      id, who.username, reason, r.clientAddress.toString());
                  if (!after)
                      throw Error(ErrorCode::NotFound, QStringLiteral("no payment exception"));
                  return HttpResponse::json(200, admin::toApi(*after, ctx->zone).toJson());
              } catch (const Error &e) {
                  auditRefusal(ctx->db, who, r, id, reason, e);
                  throw;
              }
          });
}

} // namespace pomelo
