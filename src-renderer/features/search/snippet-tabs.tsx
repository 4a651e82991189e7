import { useState } from 'react';
import { CopyButton } from '../../components/copy-button.js';

/** Equivalent client code, Python and JS, with copy. */
export function SnippetTabs({ python, js }: { python: string; js: string }) {
  const [lang, setLang] = useState<'python' | 'js'>('python');
  const code = lang === 'python' ? python : js;
  return (
    <div className="snippets" data-testid="code-snippets">
      <div className="snippets-head">
        <div className="seg-toggle">
          <button type="button" className={lang === 'python' ? 'on' : ''} onClick={() => setLang('python')} data-testid="snippet-python-tab">
            Python
          </button>
          <button type="button" className={lang === 'js' ? 'on' : ''} onClick={() => setLang('js')} data-testid="snippet-js-tab">
            JavaScript
          </button>
        </div>
        <span className="spacer" />
        <CopyButton text={code} />
      </div>
      <pre className="code-block" data-testid={`snippet-${lang}`}>
        {code}
      </pre>
    </div>
  );
}
