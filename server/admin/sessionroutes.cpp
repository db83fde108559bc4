#include "sessionroutes.h"

#include "adminroutes_p.h"
#include "api/admintypes.h"
#include "http/errorresponse.h"
#include "http/jsonbody.h"
#include "http/router.h"

namespace pomelo::admin {

namespace {

/// The session, and where the console opens a trace (it asks nothing else at connect, so the
/// login answer is where that setting reaches it).
HttpResponse login(AdminAuth &auth, const QString &traceUrlTemplate, const HttpRequest &r)
{
    const QJsonObject body = parseJsonObject(r);
    const JsonFields f {body, ErrorCode::InvalidParameter};
    const QString username = f.string(QStringLiteral("username"), 64);
    const QString password = f.string(QStringLiteral("password"), 256);
    try {
        const AdminLoginResult result = auth.login(username, password, r.clientAddress.toString());
        const api::LoginResult answer {result.token, username, staffRoleName(result.role),
                                       result.expiresIn, traceUrlTemplate};
        return HttpResponse::json(200, answer.toJson());
    } catch (const LoginThrottled &e) {
        HttpResponse response = errorResponse(e.code(), r);
        response.headers.append(
            {QByteArrayLiteral("Retry-After"), QByteArray::number(e.retryAfterSeconds())});
        return response;
    }
}

} // namespace

void registerSessionRoutes(const AdminRoutes &routes)
{
    AdminAuth *auth = routes.auth;
    const QString traceUrlTemplate = routes.ctx->config.traceUrlTemplate();
    routes.router->add("POST", QStringLiteral("/admin/v1/login"), HandlerMode::Blocking,
                       [auth, traceUrlTemplate](const HttpRequest &r) {
                           return login(*auth, traceUrlTemplate, r);
                       });
    routes.add("POST", "/admin/v1/logout", StaffRole::Staff,
               [auth](const HttpRequest &r, const StaffPrincipal &) {
                   auth->logout(r.bearerToken());
                   return HttpResponse::text(204, {});
               });
    routes.add("GET", "/admin/v1/me", StaffRole::Staff,
               [](const HttpRequest &, const StaffPrincipal &w) {
                   return HttpResponse::json(
                       200, api::StaffIdentity {w.username, staffRoleName(w.role)}.toJson());
               });
}

} // namespace pomelo::admin
