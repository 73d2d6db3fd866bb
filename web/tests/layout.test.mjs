/**
 * layout.test.mjs — layout and accessibility details, measured in chromium:
 * at 1280px the text of a row gets the width (controls wrap under it) and a
 * long description is clamped with a "Show more" toggle; the top bar lines up
 * with the cards; at 768px the add form's fields are not cut off; row
 * checkboxes have a 24px+ target and a name; row controls are named by the
 * name element (aria-labelledby), not by copies of it; disabled buttons keep
 * readable text; the toast never hides the control in use, is dismissed with
 * Escape or a close button early in the Tab order, and success toasts go by
 * themselves.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  suiteBrowser,
  assertNoConsoleErrors,
  screenshot,
  until,
  expectText,
  expectVisible,
  expectHidden,
  expectTotal,
  byTestId,
  itemNamed,
  afterListRefresh,
  createTodosViaApi,
  dismissNotice,
  BASE_URL,
  signedInPage,
} from './helpers.mjs';

const box = (locator) => locator.boundingBox();

/** WCAG contrast ratio of two computed colours ("rgb(r, g, b)"). */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('layout and accessibility details', { timeout: 180_000 }, () => {
  const browser = suiteBrowser();

  it('gives the text the width at 1280px and clamps a long description with a toggle', async () => {
    const { page, context, user } = await signedInPage(browser(), 'wide', { viewport: { width: 1280, height: 800 } });
    const long = 'A long description that goes on and on. '.repeat(50).trim(); // ~2000 characters
    const [todo] = await createTodosViaApi(page, ['Long one']);
    const put = await page.request.put(`${BASE_URL}/api/rule`, { data: { key: todo.key, desc: long } });
    assert.equal(put.status(), 200);
    await createTodosViaApi(page, ['Short one']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 2);

    // the top bar's content lines up with the cards
    const brand = await box(page.locator('.brand'));
    const card = await box(page.locator('.card:visible').first());
    const logout = await box(byTestId(page, 'logout'));
    const cardInner = await page.locator('.card:visible').first().evaluate((el) => {
      const r = el.getBoundingClientRect();
      const pad = parseFloat(getComputedStyle(el).paddingLeft);
      return { left: r.left + pad, right: r.right - pad };
    });
    assert.ok(Math.abs(brand.x - card.x) <= 1, `brand at ${brand.x}, cards at ${card.x}`);
    assert.ok(Math.abs(logout.x + logout.width - (card.x + card.width)) <= 1, 'the log-out button ends where the cards end');
    assert.ok(cardInner.left > card.x);

    // the text column is wide; controls are under it
    const item = itemNamed(page, 'Long one');
    const name = await box(byTestId(item, 'todo-name'));
    const controls = await box(item.locator('.todo-controls'));
    assert.ok(name.width >= 700, `the text column is only ${name.width}px wide`);
    assert.ok(controls.y >= name.y + name.height, 'the controls are under the text');

    // clamped, with "Show more"; expanded on click
    const desc = byTestId(item, 'todo-desc');
    const toggle = byTestId(item, 'todo-desc-toggle');
    await expectVisible(toggle);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    const clamped = (await box(desc)).height;
    assert.ok(clamped < 120, `the clamped description is ${clamped}px tall`);
    await toggle.click();
    await expectText(toggle, 'Show less');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.ok((await box(desc)).height > clamped * 1.5, 'the whole description is shown');
    await toggle.click();
    await expectText(toggle, 'Show more');
    assert.equal(await byTestId(itemNamed(page, 'Short one'), 'todo-desc-toggle').isVisible(), false);
    await dismissNotice(page);
    await screenshot(page, '25-desktop-1280', { fullPage: false });

    // row controls are named through the name element, never by copies of the name
    const attrs = await item.evaluate((row) =>
      [...row.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.value)).filter((v) => v.includes('Long one')),
    );
    assert.deepEqual(attrs, [], 'no attribute repeats the name');
    for (const [role, label] of [
      ['checkbox', 'Select Long one'],
      ['combobox', 'Status Long one'],
      ['spinbutton', 'Progress Long one'],
      ['button', 'Edit Long one'],
      ['button', 'Delete Long one'],
    ]) {
      assert.equal(await page.getByRole(role, { name: label, exact: true }).count(), 1, `${role} “${label}”`);
    }
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('has 24px+ row checkboxes, readable disabled buttons, and an unclipped add form at 768px', async () => {
    const { page, context, user } = await signedInPage(browser(), 'tablet', { viewport: { width: 768, height: 900 } });
    await createTodosViaApi(page, ['Tick me']);
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 1);

    // add form: the name field shows its placeholder whole; the description label is one line
    const form = byTestId(page, 'new-todo-form');
    const fits = await byTestId(form, 'new-todo-name').evaluate((input) => {
      const style = getComputedStyle(input);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return ctx.measureText(input.placeholder).width <= room;
    });
    assert.ok(fits, 'the placeholder fits');
    const label = await box(form.locator('label[for="new-desc"]'));
    const lineHeight = await form.locator('label[for="new-desc"]').evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 22);
    assert.ok(label.height < lineHeight * 1.5, `the description label wraps (${label.height}px)`);
    const nameBox = await box(byTestId(form, 'new-todo-name'));
    const descBox = await box(byTestId(form, 'new-todo-desc'));
    assert.ok(Math.abs(nameBox.x - descBox.x) <= 1 && Math.abs(nameBox.width - descBox.width) <= 1, 'name and description line up');

    // the row checkbox: a label of at least 24x24 around it, clickable at its edge
    const item = itemNamed(page, 'Tick me');
    const check = byTestId(item, 'todo-select');
    const target = item.locator('label.todo-select');
    const t = await box(target);
    assert.ok(t.width >= 24 && t.height >= 24, `the target is ${t.width}x${t.height}`);
    await target.click({ position: { x: 2, y: 2 } });
    await until('the row to be selected', () => check.isChecked());
    await expectText(byTestId(page, 'selection-count'), '1 selected');
    await target.click({ position: { x: 2, y: 2 } });
    await expectText(byTestId(page, 'selection-count'), '0 selected');

    // a disabled button: no fading, text at 3:1 or better against its background
    const disabled = byTestId(page, 'delete-selected');
    assert.equal(await disabled.getAttribute('aria-disabled'), 'true');
    const look = await disabled.evaluate((el) => {
      const s = getComputedStyle(el);
      return { opacity: s.opacity, color: s.color, background: s.backgroundColor };
    });
    assert.equal(look.opacity, '1');
    const ratio = contrast(look.color, look.background);
    assert.ok(ratio >= 4.5, `the disabled text has a contrast of ${ratio.toFixed(2)}`);
    await screenshot(page, '26-tablet-768', { fullPage: false });
    assertNoConsoleErrors(page);
    await context.close();
  });

  it('keeps the toast off the control in use, dismisses it with Escape or an early close button, and lets success go', async () => {
    const { page, context, user } = await signedInPage(browser(), 'toast', { viewport: { width: 1280, height: 800 } });
    await createTodosViaApi(page, Array.from({ length: 10 }, (_, i) => `Row ${i + 1}`));
    await afterListRefresh(page, () => page.reload());
    await expectTotal(page, 10);

    // an error toast (a refused add) stays until dismissed
    await page.route('**/api/rule', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ success: false, errorCode: 'BAD_REQUEST', errorMessage: 'name is not acceptable.' }),
          })
        : route.continue(),
    );
    await byTestId(page, 'new-todo-name').fill('Refused');
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    const notice = byTestId(page, 'notice');
    await expectText(byTestId(page, 'notice-text'), 'name is not acceptable.');
    await page.unroute('**/api/rule');

    // the close button is the next Tab stop after the top bar
    await byTestId(page, 'logout').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'notice-close');

    // opening an editor near the bottom of the screen: its Cancel is not under the toast
    const last = itemNamed(page, 'Row 1');
    await last.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await byTestId(last, 'todo-edit').click();
    const cancel = byTestId(last, 'todo-edit-cancel');
    await expectVisible(cancel);
    await until('Cancel above the toast', async () => {
      const c = await box(cancel);
      const n = await box(notice);
      return c.y + c.height <= n.y;
    });
    await screenshot(page, '27-toast-and-editor', { fullPage: false });
    await cancel.click();
    await expectHidden(byTestId(last, 'todo-editor'));

    // Escape anywhere dismisses it (the focus is on the page, not on the toast)
    await byTestId(page, 'filter-name').focus();
    await page.keyboard.press('Escape');
    await expectHidden(byTestId(page, 'notice-close'));
    assert.equal(await byTestId(page, 'notice-text').textContent(), '');

    // Escape in the inline editor cancels the edit and leaves a toast alone
    await page.route('**/api/rule', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ success: false, errorCode: 'BAD_REQUEST', errorMessage: 'still not acceptable.' }),
          })
        : route.continue(),
    );
    await afterListRefresh(page, () => byTestId(page, 'new-todo-submit').click());
    await expectText(byTestId(page, 'notice-text'), 'still not acceptable.');
    await page.unroute('**/api/rule');
    await byTestId(last, 'todo-edit').click();
    await byTestId(last, 'todo-edit-name').press('Escape');
    await expectHidden(byTestId(last, 'todo-editor'));
    assert.equal(await byTestId(page, 'notice-close').isVisible(), true, 'the Escape was the editor’s');
    await page.keyboard.press('Escape');
    await expectHidden(byTestId(page, 'notice-close'));

    // a success toast goes by itself
    await afterListRefresh(page, () => byTestId(itemNamed(page, 'Row 10'), 'todo-status').selectOption('2'));
    await expectText(byTestId(page, 'notice-text'), 'is now Done');
    await expectHidden(byTestId(page, 'notice-close'), 12_000);
    assertNoConsoleErrors(page);
    await context.close();
  });
});
