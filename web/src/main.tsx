import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { ApiProblem, setUnauthenticatedHandler } from './api';
import { Button } from './components/Button';
import { Layout } from './components/Layout';
import { ProblemAlert, Toasts } from './components/Status';
import { ApiKeys } from './pages/ApiKeys';
import { AuditLog } from './pages/AuditLog';
import { CampaignDetail } from './pages/CampaignDetail';
import { CampaignNew } from './pages/CampaignNew';
import { CampaignReport } from './pages/CampaignReport';
import { Campaigns } from './pages/Campaigns';
import { ContactDetail } from './pages/ContactDetail';
import { Contacts } from './pages/Contacts';
import { Dashboard } from './pages/Dashboard';
import { DoNotContact } from './pages/DoNotContact';
import { FlowDetail } from './pages/FlowDetail';
import { Flows } from './pages/Flows';
import { FormDetail } from './pages/FormDetail';
import { Forms } from './pages/Forms';
import { ImportDetail } from './pages/ImportDetail';
import { Imports } from './pages/Imports';
import { Inbox } from './pages/Inbox';
import { Keywords } from './pages/Keywords';
import { Login } from './pages/Login';
import { NotFound } from './pages/NotFound';
import { SegmentEditor } from './pages/SegmentEditor';
import { Segments } from './pages/Segments';
import { SendingNumbers } from './pages/SendingNumbers';
import { Settings } from './pages/Settings';
import { SuppressionRules } from './pages/SuppressionRules';
import { System } from './pages/System';
import { TemplateDetail } from './pages/TemplateDetail';
import { Templates } from './pages/Templates';
import { TestNumbers } from './pages/TestNumbers';
import { Users } from './pages/Users';
import { WebhookDetail } from './pages/WebhookDetail';
import { Webhooks } from './pages/Webhooks';
import { loadMe, me } from './session';
import './styles.css';

/** Everything behind sign-in: loads /me once, then the routed pages inside the layout. */
function SignedIn() {
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (me.value) return;
    loadMe().catch((err) => {
      if (err instanceof ApiProblem && err.status === 401) route('/login', true);
      else setError(err);
    });
  }, [attempt]);

  if (!me.value) {
    return (
      <main class="centered">
        {error ? (
          <ProblemAlert error={error}>
            <Button
              onClick={() => {
                setError(null);
                setAttempt(attempt + 1);
              }}
            >
              Try again
            </Button>
          </ProblemAlert>
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
    );
  }

  return (
    <Layout>
      <Router>
        <Route path="/" component={Dashboard} />
        <Route path="/contacts" component={Contacts} />
        <Route path="/contacts/:id" component={ContactDetail} />
        <Route path="/segments" component={Segments} />
        <Route path="/segments/new" component={SegmentEditor} />
        <Route path="/segments/:id" component={SegmentEditor} />
        <Route path="/imports" component={Imports} />
        <Route path="/imports/:id" component={ImportDetail} />
        <Route path="/do-not-contact" component={DoNotContact} />
        <Route path="/suppression-rules" component={SuppressionRules} />
        <Route path="/templates" component={Templates} />
        <Route path="/templates/:id" component={TemplateDetail} />
        <Route path="/sending-numbers" component={SendingNumbers} />
        <Route path="/campaigns" component={Campaigns} />
        <Route path="/campaigns/new" component={CampaignNew} />
        <Route path="/campaigns/:id" component={CampaignDetail} />
        <Route path="/campaigns/:id/report" component={CampaignReport} />
        <Route path="/inbox/:id?" component={Inbox} />
        <Route path="/test-numbers" component={TestNumbers} />
        <Route path="/settings" component={Settings} />
        <Route path="/users" component={Users} />
        <Route path="/api-keys" component={ApiKeys} />
        <Route path="/audit-log" component={AuditLog} />
        <Route path="/system" component={System} />
        <Route path="/keywords" component={Keywords} />
        <Route path="/forms" component={Forms} />
        <Route path="/forms/:id" component={FormDetail} />
        <Route path="/flows" component={Flows} />
        <Route path="/flows/:id" component={FlowDetail} />
        <Route path="/integrations/webhooks" component={Webhooks} />
        <Route path="/integrations/webhooks/:id" component={WebhookDetail} />
        <Route default component={NotFound} />
      </Router>
    </Layout>
  );
}

function App() {
  const { path, route } = useLocation();
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      me.value = null;
      route('/login', true);
    });
  }, [route]);
  return (
    <>
      {path === '/login' ? <Login /> : <SignedIn />}
      <Toasts />
    </>
  );
}

render(
  <LocationProvider>
    <App />
  </LocationProvider>,
  document.getElementById('app')!,
);
