#include "tracelabel.h"

#include <QAction>
#include <QClipboard>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace pomelo::console {

TraceLabel::TraceLabel(QWidget *parent)
    : QWidget(parent)
    , m_label(new QLabel(this))
    , m_copyAction(new QAction(tr("Copy trace id"), this))
    , m_opener([](const QUrl &url) { return QDesktopServices::openUrl(url); })
{
    // The link is opened here, not by the label, so that the opener can be replaced.
    m_label->setOpenExternalLinks(false);
    m_label->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_label->setTextFormat(Qt::RichText);
    connect(m_label, &QLabel::linkActivated, this,
            [this](const QString &link) { m_opener(QUrl(link, QUrl::StrictMode)); });
    m_copyAction->setToolTip(tr("Copy the trace id to the clipboard"));
    connect(m_copyAction, &QAction::triggered, this, &TraceLabel::copy);
    auto *copyButton = new QToolButton(this);
    copyButton->setDefaultAction(m_copyAction);
    copyButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    copyButton->setAutoRaise(true);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Trace id"), this));
    layout->addWidget(m_label, 1);
    layout->addWidget(copyButton);
    setTrace({}, {});
}

QUrl TraceLabel::traceUrl(const QString &urlTemplate, const QString &traceId)
{
    if (urlTemplate.isEmpty() || traceId.isEmpty())
        return {};
    QString url = urlTemplate;
    url.replace(QLatin1String("{traceId}"), traceId);
    return QUrl(url, QUrl::StrictMode);
}

void TraceLabel::setTrace(const QString &traceId, const QString &urlTemplate)
{
    m_traceId = traceId;
    m_url = traceUrl(urlTemplate, traceId);
    const QString id = QStringLiteral("<code>%1</code>").arg(traceId.toHtmlEscaped());
    if (m_url.isValid() && !m_url.isEmpty()) {
        m_label->setText(QStringLiteral("<a href=\"%1\">%2</a>")
                             .arg(m_url.toString(QUrl::FullyEncoded).toHtmlEscaped(), id));
        m_label->setToolTip(tr("Open the trace in the trace viewer"));
    } else {
        m_label->setText(id);
        m_label->setToolTip({});
    }
    m_copyAction->setEnabled(!traceId.isEmpty());
    setVisible(!traceId.isEmpty());
}

void TraceLabel::copy()
{
    if (!m_traceId.isEmpty())
        QGuiApplication::clipboard()->setText(m_traceId);
}

} // namespace pomelo::console
