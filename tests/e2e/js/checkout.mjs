// A shop's checkout with the platform's official JavaScript SDK, unchanged, against a VoucherHub server.
// Run by tests/e2e/test_js_sdk.py: VOUCHERHUB_URL, VOUCHERHUB_APP_ID and VOUCHERHUB_APP_TOKEN say where and
// as whom; the campaign "JS coupons" with free codes, the gift card "JS-GIFT" and a promotion tier exist. Prints one JSON
// object of what each call answered, which the test reads.
import voucherify from '@voucherify/sdk' // a CommonJS package: its exports come as one object

const { VoucherifyServerSide } = voucherify

const client = VoucherifyServerSide({
  applicationId: process.env.VOUCHERHUB_APP_ID,
  secretKey: process.env.VOUCHERHUB_APP_TOKEN,
  apiUrl: process.env.VOUCHERHUB_URL,
})
const customer = { source_id: 'js-ann', email: 'ann@example.com', name: 'Ann' }
const order = { source_id: 'js-order-1', amount: 10000, items: [{ sku_id: 'sku-1', quantity: 2, price: 5000 }] }
const seen = {}

seen.customer = await client.customers.create(customer)
seen.publication = await client.distributions.publications.create({ customer, campaign: { name: 'JS coupons' } })
const code = seen.publication.voucher.code
seen.validation = await client.validations.validateStackable({ redeemables: [{ object: 'voucher', id: code }], order, customer })
seen.single = await client.validations.validate(code, { order, customer })
seen.promotions = await client.promotions.validate({ order: { amount: 10000 }, customer })
seen.redemption = await client.redemptions.redeemStackable({
  redeemables: [
    { object: 'voucher', id: code },
    { object: 'voucher', id: 'JS-GIFT', gift: { credits: 2000 } },
  ],
  order,
  customer,
})
seen.rollback = await client.redemptions.rollbackStackable(seen.redemption.parent_redemption.id, { reason: 'returned' })
seen.redeemedOne = await client.redemptions.redeem(code, { order: { amount: 5000 }, customer })
try {
  await client.redemptions.redeem('NO-SUCH-CODE', { order: { amount: 5000 } })
} catch (error) {
  seen.refused = { code: error.code, key: error.key, details: error.details }
}
seen.voucher = await client.vouchers.get(code)
seen.order = await client.orders.get('js-order-1')
seen.activity = await client.customers.listActivity('js-ann')
seen.publications = await client.distributions.publications.list({ customer: 'js-ann' })
console.log(JSON.stringify(seen))
