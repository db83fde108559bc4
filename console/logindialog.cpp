#include "logindialog.h"

#include "api/adminclient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace pomelo::console {

LoginDialog::LoginDialog(api::AdminClient *client, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_server(new QLineEdit(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Pomelo Pay console — log in"));
    const QSettings settings;
    m_server->setText(
        settings.value(QStringLiteral("login/server"), QStringLiteral("http://127.0.0.1:8080"))
            .toString());
    m_user->setText(
        settings.value(QStringLiteral("login/user"), QStringLiteral("admin")).toString());
    m_password->setEchoMode(QLineEdit::Password);
    m_server->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Log in"));

    auto *title = new QLabel(tr("<h2>Pomelo Pay</h2><p>Operator console</p>"), this);
    auto *form = new QFormLayout;
    form->addRow(tr("&Server:"), m_server);
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &LoginDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &LoginDialog::reject);
    setMinimumWidth(420);
    if (!m_user->text().isEmpty())
        m_password->setFocus();
}

void LoginDialog::setServer(const QString &url)
{
    m_server->setText(url);
}

void LoginDialog::setUser(const QString &user)
{
    m_user->setText(user);
}

void LoginDialog::setPassword(const QString &password)
{
    m_password->setText(password);
}

void LoginDialog::setBusy(bool busy)
{
    for (QWidget *w : {static_cast<QWidget *>(m_server), static_cast<QWidget *>(m_user),
                       static_cast<QWidget *>(m_password)})
        w->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    if (busy)
        m_error->setText(tr("Logging in…"));
}

void LoginDialog::submit()
{
    const QUrl url = QUrl::fromUserInput(m_server->text().trimmed());
    if (!url.isValid()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        m_error->setText(tr("Enter the server's address, e.g. http://127.0.0.1:8080"));
        return;
    }
    if (m_user->text().trimmed().isEmpty() || m_password->text().isEmpty()) {
        m_error->setText(tr("Enter your user name and password."));
        return;
    }
    m_client->setBaseUrl(url);
    setBusy(true);
    m_client->login(
        m_user->text().trimmed(), m_password->text(), this,
        [this, url](const api::LoginResult &) {
            QSettings settings;
            settings.setValue(QStringLiteral("login/server"), url.toString());
            settings.setValue(QStringLiteral("login/user"), m_user->text().trimmed());
            m_password->clear();
            setBusy(false);
            m_error->clear();
            accept();
        },
        [this](const api::ApiError &e) {
            setBusy(false);
            if (e.isNetworkError())
                m_error->setText(tr("Cannot reach the server: %1").arg(e.message));
            else if (e.httpStatus == 401)
                m_error->setText(tr("Wrong user name or password."));
            else if (e.httpStatus == 429)
                m_error->setText(tr("Too many failed attempts; try again later."));
            else
                m_error->setText(e.message);
            m_password->setFocus();
            m_password->selectAll();
        });
}

} // namespace pomelo::console
