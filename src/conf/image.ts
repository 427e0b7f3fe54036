import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/**
 * `[glance_api]`: the image service (nova-image, a Glance v2 subset). Option
 * names follow glance-api.conf where Glance has one (bind_host, bind_port,
 * public_endpoint, image_size_cap, limit_param_default, api_limit_max).
 */
export const glanceApiGroup = defineGroup('glance_api', 'The image service (nova-image): a Glance v2 subset on its own port.', {
  bind_host: strOpt({ default: '0.0.0.0', help: 'Address nova-image listens on.' }),
  bind_port: portOpt({ default: 9292, help: 'Port nova-image listens on (Glance: 9292).' }),
  public_endpoint: optionalStrOpt({
    help: "Base URL shown in the versions document (GET /) instead of the request's host, for a proxy or load balancer in front of nova-image.",
  }),
  image_size_cap: intOpt({
    default: 1099511627776,
    min: 1,
    help: 'Largest image (bytes) an upload may store; a larger upload fails with 413 and the image stays queued. Default 1 TiB, as Glance.',
  }),
  limit_param_default: intOpt({ default: 25, min: 1, help: 'Images per page of GET /v2/images when the request gives no limit.' }),
  api_limit_max: intOpt({ default: 1000, min: 1, help: 'Largest page GET /v2/images returns, whatever limit the request asks for.' }),
  image_property_quota: intOpt({
    default: 128,
    min: -1,
    help: 'Most custom properties one image may have (413 beyond); -1 is unlimited.',
  }),
  image_tag_quota: intOpt({ default: 128, min: -1, help: 'Most tags one image may have (413 beyond); -1 is unlimited.' }),
  client_socket_timeout: intOpt({
    default: 900,
    min: 0,
    help: 'Seconds a client connection may stay idle (also in the middle of an upload) before it is closed; an upload cut this way leaves the image queued. 0 waits forever.',
  }),
});

/** `[glance_store]`: where nova-image keeps image data. */
export const glanceStoreGroup = defineGroup('glance_store', 'Image data storage of nova-image (the filesystem store).', {
  filesystem_store_datadir: strOpt({
    default: '$state_path/images',
    help: 'Directory holding one file per image (named by the image id). Uploads are written to a temporary file here and renamed into place when complete.',
  }),
});

/** `[glance]`: how nova (nova-api, nova-compute) reaches the image service. */
export const glanceGroup = defineGroup('glance', 'How nova-api and nova-compute talk to the image service.', {
  api_servers: listOpt({
    default: ['http://127.0.0.1:9292'],
    help: 'Image service endpoints (comma separated URLs). Requests go to the first that answers; a server that cannot be reached is skipped for the next attempt. Empty: there is no image service; nova-api does not check imageRef and the qemu driver reads images from [qemu] local_image_dir.',
  }),
  num_retries: intOpt({
    default: 3,
    min: 0,
    help: 'Extra attempts for an image download or metadata request that failed on a connection error, a 5xx answer or a corrupted download. 0 means one attempt only.',
  }),
  verify_glance_signatures: boolOpt({
    default: false,
    help: 'Verify image signatures (img_signature* properties) on download. Not supported: when true, downloads are refused.',
  }),
});
