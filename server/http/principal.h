#pragma once

// Who is calling: declared by a route, checked by the router before dispatch, handed to the
// handler typed. The HTTP layer only carries these; the modules that know the callers check them
// (Router::setAuthenticator).

#include "storage/app.h"

#include <QJsonObject>
#include <QStringList>

#include <any>
#include <variant>

namespace pomelo {

enum class StaffRole; // storage/staffuserrepository.h

/// Who may call a route.
struct Access
{
    enum class Kind {
        Public, ///< anyone (liveness, metrics, login, the sandboxes)
        Student, ///< a mini-program user with a bearer token (API.md "Booking API")
        Staff, ///< a console user, any role
        Admin, ///< a console user with the admin role
        SignedApp, ///< a merchant app: signature, timestamp and nonce of API.md "Signing"
        Channel, ///< a payment channel's callback, verified with that channel's keys
    };
    Kind kind = Kind::Public;
    QStringList unsignedFields; ///< SignedApp: request fields the signature leaves out
    QString channel; ///< Channel: whose callback ("ECARD", "WECHAT_JSAPI", "POMELO_PAY")
    /// SignedApp: the body's `amount` is money; its literal token is checked (2001) before the
    /// signature, so that a `12.0` or a duplicated key is refused as such, not as a bad signature.
    bool withAmount = false;

    static Access anyone() { return {}; }
    static Access student() { return {Kind::Student, {}, {}, false}; }
    static Access staff() { return {Kind::Staff, {}, {}, false}; }
    static Access admin() { return {Kind::Admin, {}, {}, false}; }
    static Access signedApp(QStringList unsignedFields = {})
    {
        return {Kind::SignedApp, std::move(unsignedFields), {}, false};
    }
    /// A signed request that carries money (see withAmount).
    static Access signedWithAmount(QStringList unsignedFields = {})
    {
        return {Kind::SignedApp, std::move(unsignedFields), {}, true};
    }
    static Access channelCallback(QString name)
    {
        return {Kind::Channel, {}, std::move(name), false};
    }

    /// "student", "admin", "channel:ECARD", …: which authenticator checks it.
    QString checkerName() const;
};

struct Anonymous
{
};

struct StudentPrincipal
{
    qint64 userId = 0;
};

/// A signed-in console user, as of this request (role and enabled state come from the database
/// on every request, so disabling a user or changing a role takes effect at once).
struct StaffPrincipal
{
    qint64 id = 0;
    QString username;
    StaffRole role {}; ///< Staff unless set
};

/// A merchant app whose request passed the signature checks, with the fields that were signed
/// (the JSON body, or the query of a GET).
struct AppPrincipal
{
    App app;
    QJsonObject fields;
    qint64 amount = 0; ///< Access::withAmount: the checked amount in cents
};

/// A channel callback whose signature verified; @c message is the verified, decoded callback
/// (the channel's own type: the route's handler knows which).
struct ChannelPrincipal
{
    QString channel;
    std::any message;
};

using Principal =
    std::variant<Anonymous, StudentPrincipal, StaffPrincipal, AppPrincipal, ChannelPrincipal>;

} // namespace pomelo
