#pragma once

#include "router.h"

#include <functional>

namespace pomelo {

/// A handler of a signed-in student: gets the caller's user id, already authenticated.
using StudentHandler = std::function<HttpResponse(qint64 userId, const HttpRequest &)>;

/// Adds a route that only a student with a valid bearer token may call (the router checks it with
/// the Student authenticator, which the booking module installs).
inline void studentRoute(Router &router, const QByteArray &method, const QString &path,
                         StudentHandler handler)
{
    router.add(method, path, Access::student(),
               Router::as<StudentPrincipal>([handler = std::move(handler)](
                                                const HttpRequest &r, const StudentPrincipal &who) {
                   return handler(who.userId, r);
               }));
}

} // namespace pomelo
