import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createServices } from './boot';
import { loadConfig } from './config';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) => {
    root.render(
      <StrictMode>
        <App services={createServices(config)} />
      </StrictMode>,
    );
  },
  (err: unknown) => {
    root.render(
      <main className="boot-error" role="alert" data-testid="boot-error">
        <h1>Stratus could not start</h1>
        <p>{err instanceof Error ? err.message : String(err)}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>,
    );
  },
);
