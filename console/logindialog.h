#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace pomelo::api {
class AdminClient;
}

namespace pomelo::console {

/// Server URL, user name and password. The URL and the user name are remembered (QSettings);
/// the password never is. Logs in asynchronously: the dialog stays responsive, and closes
/// once the server accepted the login.
class LoginDialog : public QDialog
{
    Q_OBJECT

public:
    LoginDialog(api::AdminClient *client, QWidget *parent = nullptr);

    void setServer(const QString &url);
    void setUser(const QString &user);
    void setPassword(const QString &password);
    /// Logs in with what the fields hold (also used for scripted starts).
    void submit();

private:
    void setBusy(bool busy);

    api::AdminClient *m_client;
    QLineEdit *m_server;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace pomelo::console
